"""``autograder.cellules`` : source d'une cellule, régions cachées, lignes secrètes."""
from nbformat.v4 import new_code_cell

from autograder.cellules import grade_id, lignes_tests_caches, separer_regions, source

CELLULE = """assert x == 1
### BEGIN HIDDEN TESTS
assert abs(x - 1.0) < 1e-9, "x vaut 1"
pass
### END HIDDEN TESTS
print("fin")"""


def test_source_liste_ou_chaine_dict_ou_notebooknode():
    assert source({"source": ["a = 1\n", "b = 2"]}) == "a = 1\nb = 2"
    assert source({"source": "a = 1"}) == "a = 1"
    assert source({}) == ""
    assert source(new_code_cell("c = 3")) == "c = 3"


def test_grade_id_absent_quand_les_metadonnees_sont_effacees():
    assert grade_id({"metadata": {"nbgrader": {"grade_id": "ex1_verif"}}}) == "ex1_verif"
    assert grade_id({"metadata": {}}) is None
    assert grade_id({}) is None


def test_separer_regions_exclut_les_marqueurs():
    dedans, dehors = separer_regions(CELLULE)
    assert dedans == ['assert abs(x - 1.0) < 1e-9, "x vaut 1"', "pass"]
    assert dehors == ["assert x == 1", 'print("fin")']


def test_separer_regions_ne_ferme_que_les_regions_demandees():
    texte = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\ny = 2"
    assert separer_regions(texte) == ([], texte.splitlines())
    assert separer_regions(texte, regions=("SOLUTION",)) == (["x = 1"], ["y = 2"])


def test_lignes_tests_caches_ignore_les_lignes_courtes_et_celles_ecrites_en_clair():
    visible = {"source": 'print("fin")\nassert abs(y) < 1e-9, "y vaut 0"'}
    cachee = {"source": CELLULE + '\n### BEGIN HIDDEN TESTS\nassert abs(y) < 1e-9, "y vaut 0"\n### END HIDDEN TESTS'}
    assert lignes_tests_caches([cachee, visible]) == ['assert abs(x - 1.0) < 1e-9, "x vaut 1"']
