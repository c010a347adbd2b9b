"""The engagement inbox: mentions that need an answer, triaged, assigned and resolved."""
