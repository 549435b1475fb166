"""Randomized fault checking in Jepsen's manner: generator, nemesis, history, checker."""
