"""The national layer: every France Services of the ANCT's list and every commune of France.

Imported into the knowledge DB by `repere import`, under the curated territories (a curated
place or commune replaces the imported one).
"""
