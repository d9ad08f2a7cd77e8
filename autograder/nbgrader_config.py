"""Configuration nbgrader du TP (chargée par autograder/, utilisable telle quelle avec nbgrader).

Chaque extension est un préprocesseur de ``autograder.preprocessors`` enregistré ici,
comme nbgrader enregistre les siens.
"""
from nbgrader.preprocessors import (
    CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput, ComputeChecksums,
    IncludeHeaderFooter, InstantiateTests, LockCells, SaveCells,
)

from autograder.preprocessors import ClearSolutionLines

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
]
