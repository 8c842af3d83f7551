"""``2pc``: a partitioned transactional key-value store with two-phase commit."""
