"""Use cases. Each takes a unit of work (and an actor where a client asks); none commits."""
