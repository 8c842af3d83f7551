"""Real clusters under real faults: start a system, run clients, inject faults, record, check.

``plan`` holds what a test is asked to do and the fault schedule; it is shared by every system
(the etcd and Redis Sentinel clusters here, the PostgreSQL and MariaDB servers in
``histcheck.recorders.databases``).
"""
