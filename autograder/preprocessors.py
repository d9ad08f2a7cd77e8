"""Préprocesseurs nbgrader propres à ce dépôt.

Chaque classe a une seule tâche et s'enregistre dans la configuration nbgrader
(``autograder/nbgrader_config.py``), comme les préprocesseurs de nbgrader lui-même.
"""
import re

from nbgrader.preprocessors import ClearSolutions

#: Marqueur de fin de ligne qui désigne une ligne de solution dans le notebook maître.
MARQUEUR_SOLUTION = re.compile(r"\s*#\s*SOLUTION\s*$")
_BOUCLE = re.compile(r"^(?P<indent>\s*)for\s+(?P<cible>.+?)\s+in\s+.+:$")
_AFFECTATION = re.compile(
    r"^(?P<indent>\s*)(?P<cible>[A-Za-z_][\w.]*(?:\[[^\]]*\])*)\s*=(?!=)\s*\S.*$"
)


def ligne_trou(ligne):
    """Transforme une ligne de solution en ligne à trou, en gardant le membre de gauche.

    ``beta = np.linspace(...)  # SOLUTION``   ->  ``beta = ...``
    ``for t in range(T, 0, -1):  # SOLUTION`` ->  ``for t in ... :``

    Renvoie ``None`` si la ligne n'est pas marquée ; lève ``ValueError`` si elle est
    marquée mais n'est ni une affectation ni un en-tête de boucle ``for``.
    """
    if not MARQUEUR_SOLUTION.search(ligne):
        return None
    code = MARQUEUR_SOLUTION.sub("", ligne).rstrip()
    boucle = _BOUCLE.match(code)
    if boucle:
        return f"{boucle['indent']}for {boucle['cible']} in ... :"
    affectation = _AFFECTATION.match(code)
    if affectation:
        return f"{affectation['indent']}{affectation['cible']} = ..."
    raise ValueError(
        "Ligne marquée « # SOLUTION » qui n'est ni une affectation ni un en-tête de "
        f"boucle for : {ligne!r}"
    )


class ClearSolutionLines(ClearSolutions):
    """``ClearSolutions`` qui garde le membre de gauche des lignes de solution.

    nbgrader remplace une région ``### BEGIN SOLUTION`` / ``### END SOLUTION`` en bloc.
    Le TP, lui, donne aux étudiants des lignes à trou (``alpha = ...``) : dans le notebook
    maître, chaque ligne de solution se termine par ``# SOLUTION`` et devient ``cible = ...``
    (ou ``for t in ... :``) dans le notebook étudiant. Les régions classiques restent
    gérées comme dans nbgrader (partie facultative).
    """

    def _replace_solution_region(self, cell, language):
        remplace = super()._replace_solution_region(cell, language)
        if cell.cell_type != "code":
            return remplace
        lignes = []
        for ligne in cell.source.split("\n"):
            trou = ligne_trou(ligne)
            remplace = remplace or trou is not None
            lignes.append(ligne if trou is None else trou)
        cell.source = "\n".join(lignes)
        return remplace
