"""Jepsen's single-purpose workload checkers: bank, counter, set, set-full and long-fork."""
