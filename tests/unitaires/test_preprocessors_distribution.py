"""``ClearSolutionLines`` et ``ligne_trou`` sur des cellules construites à la main."""
import pytest
from outils import code, notebook, texte

from autograder.distribution.preprocessors import ClearSolutionLines, ligne_trou


def appliquer(nb):
    preprocesseur = ClearSolutionLines(code_stub={"python": "# VOTRE CODE ICI"}, text_stub="VOTRE RÉPONSE ICI")
    return preprocesseur.preprocess(nb, {"language": "python"})[0]


@pytest.mark.parametrize("ligne, trou", [
    ("beta = np.linspace(1e-4, 0.02, T)  # SOLUTION", "beta = ..."),
    ("    x[t] = np.sqrt(a) * x[t-1]  #SOLUTION", "    x[t] = ..."),
    ("for t in range(T, 0, -1):  # SOLUTION", "for t in ... :"),
    ("self.model.fit(x)", None),
])
def test_ligne_trou(ligne, trou):
    assert ligne_trou(ligne) == trou


@pytest.mark.parametrize("ligne", ["return x  # SOLUTION", "x == 1  # SOLUTION", "print(x)  # SOLUTION"])
def test_ligne_marquee_ni_affectation_ni_boucle_refusee_avec_message(ligne):
    with pytest.raises(ValueError, match="ni une affectation ni un en-tête"):
        ligne_trou(ligne)


def test_lignes_de_solution_gardent_leur_membre_de_gauche():
    nb = appliquer(notebook(code("import numpy as np\nalpha = 1 - beta  # SOLUTION\nprint(alpha)",
                                 grade_id="ex1_reponse", solution=True)))
    assert nb.cells[0].source == "import numpy as np\nalpha = ...\nprint(alpha)"


def test_region_classique_remplacee_comme_dans_nbgrader():
    nb = appliquer(notebook(
        code("x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION", grade_id="c", solution=True),
        texte("=== BEGIN MARK SCHEME ===\n", grade_id="m"),
        texte("Réponse :\n### BEGIN SOLUTION\nparce que\n### END SOLUTION", grade_id="t", solution=True)))
    assert nb.cells[0].source == "x = 1\n# VOTRE CODE ICI"
    assert nb.cells[2].source == "Réponse :\nVOTRE RÉPONSE ICI"


def test_marqueur_dans_une_cellule_fournie_refuse():
    """Une ligne « # SOLUTION » hors d'une cellule de solution partirait chez les étudiants."""
    with pytest.raises(RuntimeError, match="non-solution cell"):
        appliquer(notebook(code("x = 1  # SOLUTION", grade_id="fourni", locked=True)))


def test_le_marqueur_ne_vaut_que_dans_le_code():
    """Une cellule de texte à rédiger est remplacée en entier par l'invite, sans ligne à trou."""
    nb = appliquer(notebook(texte("a = b  # SOLUTION", grade_id="t", solution=True)))
    assert nb.cells[0].source == "VOTRE RÉPONSE ICI"
