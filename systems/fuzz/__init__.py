"""Fuzzing: hypothesis chooses workloads, faults and every simulator choice, then shrinks."""
