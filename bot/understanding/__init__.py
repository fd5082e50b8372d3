"""Understanding: what a person needs, where they live and who they are, from their words.

Used by the assistant, the console and the CLI alike, and built from the live knowledge so
that an administrator's new démarche, phrasing or commune is understood as soon as it is
loaded, without retraining the NLU (whose intent is only a prior here).
"""
