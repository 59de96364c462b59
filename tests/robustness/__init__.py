"""Robustness: bad input, faults and load, with nothing lost (issue 8).

Every module here drives the real tool (the CLI through click's runner or a subprocess, the
real akshare code path behind intercepted HTTP) and checks the same three things: a one-line
error with the right exit code, no traceback, and every file on disk as it was.
"""
