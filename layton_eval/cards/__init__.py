"""Rich cards and tables: the only place that draws (commands pick a card or --json)."""
