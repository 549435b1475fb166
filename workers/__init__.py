"""RQ worker processes: jobs, the cron schedule and the worker entry point."""
