"""Local stand-ins for the platforms, served on 127.0.0.1 over real sockets."""
