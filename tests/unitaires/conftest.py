"""Voie rapide (``make test-rapide``) : des tests unitaires sur des cellules et des fichiers
construits à la main, quelques millisecondes chacun, sans noyau ni classe corrigée."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
