"""The console lock: the lock panel, the first admin's form, the idle watcher."""
