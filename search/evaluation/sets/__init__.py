"""Development sets built at run time from third-party Debian packages (never committed)."""
