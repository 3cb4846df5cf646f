"""Shops take part (SPEC §12 M1–M5): merchant accounts, the shop's own register, early settlement,
replies, objections and credit repair.

Every function takes the acting user explicitly, flushes and never commits, and writes the audit log
(SPEC A1). A merchant reaches only its own shop's rows: ``own_shop_id`` / the ``*_of_shop`` getters
return None for anything else, which the views answer with 404.
"""
