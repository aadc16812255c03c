"""Learning from use: the questions the engine could not answer, or answered with little to go
on, and the answers users marked 没帮助, kept for coordinators to add words to the lexicon."""
