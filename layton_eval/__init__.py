"""layton: evaluate LLMs and VLMs on the layton-eval benchmark through provider Batch APIs."""

__version__ = "0.1.0"
