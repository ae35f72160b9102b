"""Typer command functions: parse options, call the domain, hand the result to a card."""
