"""What observes the world: run context, data fingerprints, log parsing, `watch`, screen."""
