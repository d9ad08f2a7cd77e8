"""Configuration nbgrader du TP (chargée par autograder/, utilisable telle quelle avec nbgrader).

Chaque extension est un préprocesseur de ``autograder.preprocessors`` enregistré ici,
comme nbgrader enregistre les siens.
"""
from nbgrader.preprocessors import (
    CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput, ComputeChecksums,
    IncludeHeaderFooter, InstantiateTests, LockCells, SaveCells,
)

from autograder.preprocessors import ClearSolutionLines
from autograder.preprocessors import BadgeColab

c = get_config()  # noqa: F821 (fourni par traitlets)

c.CourseDirectory.course_id = "tp_diffusion"

# Génération du notebook étudiant : les lignes « # SOLUTION » deviennent « cible = ... ».
c.ClearSolutionLines.code_stub = {"python": "# VOTRE CODE ICI (facultatif)"}
c.ClearSolutionLines.text_stub = "VOTRE RÉPONSE ICI"
c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    ClearSolutionLines,
    ClearOutput,
    CheckCellMetadata,
    ComputeChecksums,
    SaveCells,
    ClearHiddenTests,
    ClearMarkScheme,
    ComputeChecksums,
    CheckCellMetadata,
    BadgeColab,
]
# Badge « Ouvrir dans Colab » en tête du notebook étudiant : il ouvre la copie PUBLIQUE du
# notebook (dépôt des étudiants, jamais celui-ci). Seul réglage à adapter : « OWNER/REPO »
# veut dire « pas encore choisi ». make release PUBLIC_REPO=… PUBLIC_BRANCH=… le remplace
# pour le paquet publié (PUBLIC_REPO=aucun : sans badge). Voir autograder/publication.py.
c.BadgeColab.depot = "OWNER/REPO"
c.BadgeColab.branche = "main"
