"""Fleets: many accounts of many platforms, every kind of each, harvested into one output.

* :mod:`.accounts` reads an accounts file (``accounts.toml``): each account's platform, label,
  and where its credentials come from; a bad entry is refused before anything is sent.
* :mod:`.harvest` runs every account x kind concurrently in one process, each account under its
  own rate budget (shared through Redis with ``--redis``), into one database.
* :mod:`.jobs` is the same harvest as jobs on a task queue (arq, the ``workers`` extra), so a
  fleet of worker processes on several machines shares the work and each account's budget.
"""
