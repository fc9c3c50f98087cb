"""Foundations every layer uses; imports nothing else from scalesim.

Errors, time units, random streams, input validation, the safe rule language, files written
whole, and provenance.
"""
