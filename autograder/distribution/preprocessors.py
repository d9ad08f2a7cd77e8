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

    Renvoie ``None`` si la ligne n'est pas marquée ; lève ``ValueError`` si elle est
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
        "Ligne marquée « # SOLUTION » qui n'est ni une affectation ni un en-tête de "
        f"boucle for : {ligne!r}"
    )


class ClearSolutionLines(ClearSolutions):
    """``ClearSolutions`` qui garde le membre de gauche des lignes de solution.

    nbgrader remplace une région ``### BEGIN SOLUTION`` / ``### END SOLUTION`` en bloc.
    Le TP, lui, donne aux étudiants des lignes à trou (``alpha = ...``) : dans le notebook
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


# --- Badge « Ouvrir dans Colab » -------------------------------------------------------------
from nbformat.v4 import new_markdown_cell  # noqa: E402
from nbgrader.preprocessors import NbGraderPreprocessor  # noqa: E402
from traitlets import TraitError, Unicode, validate  # noqa: E402

#: Valeur d'exemple de ``c.BadgeColab.depot`` : le dépôt public des étudiants n'est pas encore
#: choisi. Le notebook committé garde alors un badge qui n'ouvre rien, et ``make release``
#: exige ``PUBLIC_REPO``.
DEPOT_A_RENSEIGNER = "OWNER/REPO"
#: Identifiant (fixe, pour que ``make student`` soit déterministe) de la cellule du badge.
ID_CELLULE_BADGE = "ouvrir-dans-colab"
IMAGE_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
_DEPOT_GITHUB = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$")
_BRANCHE_GIT = re.compile(r"^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$")


def url_colab(depot, branche, chemin):
    """Adresse qui ouvre dans Colab le fichier ``chemin`` du dépôt GitHub public ``depot``."""
    return f"https://colab.research.google.com/github/{depot}/blob/{branche}/{chemin}"


def ligne_badge(depot, branche, chemin):
    """Ligne markdown du badge « Ouvrir dans Colab »."""
    return f"[![Ouvrir dans Colab]({IMAGE_BADGE})]({url_colab(depot, branche, chemin)})"


class BadgeColab(NbGraderPreprocessor):
    """Ajoute en tête du notebook étudiant une cellule markdown « Ouvrir dans Colab ».

    Le badge ouvre la copie publique du notebook : ``<dossier>/<notebook>.ipynb`` sur la
    branche ``branche`` du dépôt GitHub ``depot``. Avec ``depot`` vide, pas de badge (notebook
    distribué comme fichier, par Moodle ou Drive). Le master n'en contient pas : le badge n'est
    ajouté qu'à la génération (une cellule de badge déjà présente est remplacée).
    """

    depot = Unicode(
        "", help="Dépôt GitHub public des étudiants, « propriétaire/nom » ; vide : pas de badge."
    ).tag(config=True)
    branche = Unicode("main", help="Branche de ce dépôt public.").tag(config=True)
    dossier = Unicode("notebooks", help="Dossier du notebook dans ce dépôt public.").tag(config=True)

    @validate("depot")
    def _valider_depot(self, proposition):
        depot = proposition["value"].strip()
        if depot and not _DEPOT_GITHUB.match(depot):
            raise TraitError(f"BadgeColab.depot : « {depot} » n'est pas de la forme propriétaire/nom.")
        return depot

    @validate("branche")
    def _valider_branche(self, proposition):
        branche = proposition["value"].strip()
        if not _BRANCHE_GIT.match(branche):
            raise TraitError(f"BadgeColab.branche : « {branche} » n'est pas un nom de branche valide.")
        return branche

    def chemin(self, notebook):
        """Chemin du notebook ``notebook`` (sans extension) dans le dépôt public."""
        return f"{self.dossier.strip('/')}/{notebook}.ipynb" if self.dossier.strip("/") else f"{notebook}.ipynb"

    def preprocess(self, nb, resources):
        nb.cells = [cellule for cellule in nb.cells if cellule.get("id") != ID_CELLULE_BADGE]
        if self.depot:
            notebook = resources.get("nbgrader", {}).get("notebook") or resources["unique_key"]
            badge = new_markdown_cell(ligne_badge(self.depot, self.branche, self.chemin(notebook)))
            badge["id"] = ID_CELLULE_BADGE
            nb.cells.insert(0, badge)
        return nb, resources
