"""``dsm``: distributed shared memory, page-based (Ivy) and replicated over broadcast."""
