"""Réglages communs à toute la suite de tests (lus avant le démarrage du moindre noyau).

Les tests exécutent les notebooks en « mode rapide » et hors ligne : les variables
d'environnement ci-dessous sont héritées par les noyaux Jupyter lancés par nbval et nbgrader.
"""
import os

from autograder.environnement import ENVIRONNEMENT_RAPIDE

for _nom, _valeur in ENVIRONNEMENT_RAPIDE.items():
    os.environ.setdefault(_nom, _valeur)
