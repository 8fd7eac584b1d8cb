"""The double-entry ledger as stored: append-only transactions with a hash chain, and postings."""

from __future__ import annotations

from django.db import models


class LedgerTransaction(models.Model):
    """One balanced transaction. Never updated or deleted: a correction is a new transaction.

    ``sequence`` orders the chain; ``hash`` = sha256(previous hash, sequence, content) — see
    ``fordra.domain.ledger.chain_hash`` — so any edit to a stored row breaks the chain from there.
    """

    sequence = models.BigIntegerField(unique=True)
    key = models.CharField(max_length=200, unique=True)
    date = models.DateField()
    kind = models.CharField(max_length=40)
    memo = models.CharField(max_length=500, blank=True, default="")
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["date"])]


class Posting(models.Model):
    """A debit (> 0) or credit (< 0) of integer öre to one account within one transaction."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="postings"
    )
    position = models.PositiveSmallIntegerField()
    account = models.CharField(max_length=80)
    amount_ore = models.BigIntegerField()
    date = models.DateField()  # the transaction's date, denormalised for "as of" balances

    class Meta:
        ordering = ["transaction_id", "position"]
        indexes = [models.Index(fields=["account", "date"])]


class LedgerHead(models.Model):
    """The chain's tip: one row, locked while posting so the chain stays linear."""

    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
