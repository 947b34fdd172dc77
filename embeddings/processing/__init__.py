"""Processing: job rows and their recovery, the work behind each stage, reindex, repair."""
