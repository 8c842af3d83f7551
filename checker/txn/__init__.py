"""Transactional isolation checking (Elle, Cobra, PolySI, dbcop ideas).

``list_append`` and ``rw_register`` infer dependency edges from a history; ``decide`` settles one
isolation level exactly (graphs, saturation, a polygraph solved with z3); ``cycles`` names cycle
anomalies; ``explain`` and ``report`` say why. ``levels`` is the table of levels.
"""
