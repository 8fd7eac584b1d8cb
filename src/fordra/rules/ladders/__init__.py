"""Ladder templates as data: one ``<template>.toml`` per template (more versions as
``<template>-<valid_from>.toml``), read by ``fordra.rules.load_ladder``."""
