"""``reconstruire`` : la remise remise sur le squelette du notebook publié, quoi qu'il arrive."""
import copy

from nbformat.v4 import new_markdown_cell
from outils import code, notebook, texte

from autograder.correction.lecture.reconstruction import reconstruire


def gabarit():
    return notebook(
        texte("# TP", grade_id="titre", locked=True),
        code("import numpy as np", grade_id="imports", locked=True),
        code("# Exercice 1\nbeta = ...\nprint(beta)", grade_id="ex1_reponse", solution=True),
        code("assert beta == 2", grade_id="ex1_verif", grade=True, locked=True, points=2),
        code("# Exercice 2\nalpha = ...\nalpha_barre = ...", grade_id="ex2_reponse", solution=True),
        code("assert alpha == 1", grade_id="ex2_verif", grade=True, locked=True, points=1),
    )


def remise_correcte():
    nb = gabarit()
    nb.cells[2].source = "# Exercice 1\nbeta = 2\nprint(beta)"
    nb.cells[4].source = "# Exercice 2\nalpha = 1\nalpha_barre = 1"
    return nb


def sources(nb):
    return [c.source for c in nb.cells]


def test_remise_intacte_inchangee():
    nb, remarques = reconstruire(remise_correcte(), gabarit())
    assert sources(nb) == sources(remise_correcte()) and remarques == []


def test_metadonnees_effacees_cellules_retrouvees_par_leur_texte():
    remise = remise_correcte()
    for cellule in remise.cells:
        cellule.metadata = {}
    nb, remarques = reconstruire(remise, gabarit())
    assert sources(nb) == sources(remise_correcte())
    assert nb.cells[2].metadata.nbgrader.grade_id == "ex1_reponse"  # métadonnées du gabarit
    assert remarques == ["métadonnées nbgrader absentes ou incomplètes : cellules retrouvées par leur texte "
                         "(2/2 cellules à compléter)"]


def test_cellules_deplacees_remises_dans_l_ordre():
    remise = remise_correcte()
    remise.cells = [remise.cells[i] for i in (0, 1, 4, 5, 2, 3)]
    nb, _ = reconstruire(remise, gabarit())
    assert sources(nb) == sources(remise_correcte())


def test_verification_supprimee_ou_modifiee_reprise_du_gabarit():
    remise = remise_correcte()
    remise.cells[3].source = "pass  # l'étudiant a vidé la vérification"
    del remise.cells[5]
    nb, _ = reconstruire(remise, gabarit())
    assert sources(nb) == sources(remise_correcte())


def test_reponse_dupliquee_la_derniere_compte_et_le_doublon_est_ecarte():
    remise = remise_correcte()
    brouillon = copy.deepcopy(remise.cells[2])
    brouillon.source = "# Exercice 1\nbeta = 0\nprint(beta)"
    remise.cells.insert(2, brouillon)
    nb, _ = reconstruire(remise, gabarit())
    assert sources(nb) == sources(remise_correcte())


def test_reponse_supprimee_laissee_vide_et_dit():
    remise = remise_correcte()
    del remise.cells[4]
    nb, remarques = reconstruire(remise, gabarit())
    assert nb.cells[4].source == gabarit().cells[4].source
    assert "réponse « ex2_reponse » introuvable : cellule laissée vide" in remarques


def test_cellule_de_reponse_passee_en_markdown_remise_en_code():
    remise = remise_correcte()
    markdown = new_markdown_cell(remise.cells[2].source, metadata=remise.cells[2].metadata)
    remise.cells[2] = markdown
    nb, remarques = reconstruire(remise, gabarit())
    assert nb.cells[2].cell_type == "code" and nb.cells[2].source == "# Exercice 1\nbeta = 2\nprint(beta)"
    assert remarques == ["cellule « ex1_reponse » remise en markdown : remise en code"]


def test_cellules_ajoutees_gardees_a_leur_place_sans_metadonnees():
    remise = remise_correcte()
    essai = code("def aide(x):\n    return 2 * x")
    essai.metadata["nbgrader"] = {"grade": True, "grade_id": "ex1_verif"}  # copie d'une vérification : écartée
    remise.cells[4:4] = [code("print('mon essai')"), essai, new_markdown_cell("mes notes"), code("   ")]
    nb, _ = reconstruire(remise, gabarit())
    assert sources(nb) == [*sources(remise_correcte())[:4], "print('mon essai')", *sources(remise_correcte())[4:]]
    assert "nbgrader" not in nb.cells[4].metadata


def test_copie_d_une_cellule_fournie_ecartee():
    remise = remise_correcte()
    remise.cells.append(code("import numpy as np"))
    nb, _ = reconstruire(remise, gabarit())
    assert sources(nb) == sources(remise_correcte())
