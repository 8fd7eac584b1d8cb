"""Kronofogden: the decision after the demand, betalningsföreläggande, outcomes, verkställighet."""
