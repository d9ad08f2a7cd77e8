"""``LimiterSorties`` et ``MasquerTestsCaches`` sur des cellules construites à la main."""
from nbformat.v4 import new_output
from outils import code, notebook

from autograder.correction.execution.preprocesseurs import LimiterSorties, MasquerTestsCaches


def sorties(n, texte="x\n"):
    return [new_output("stream", name="stdout", text=texte) for _ in range(n)]


def test_limiter_sorties_coupe_au_nombre_et_le_dit():
    cellule = code("for i in range(100): print(i)")
    cellule.outputs = sorties(100)
    nb, _ = LimiterSorties(max_sorties=5).preprocess(notebook(cellule), {})
    gardees = nb.cells[0].outputs
    assert len(gardees) == 6 and "Sorties tronquées" in gardees[-1].text


def test_limiter_sorties_coupe_au_volume_mais_garde_l_erreur():
    cellule = code("...")
    cellule.outputs = [*sorties(3, "a" * 600), new_output("error", ename="ValueError", evalue="non", traceback=[])]
    nb, _ = LimiterSorties(max_octets=1500).preprocess(notebook(cellule), {})
    types = [o.output_type for o in nb.cells[0].outputs]
    assert types == ["stream", "stream", "error", "stream"]  # 2 sorties de ~650 octets, l'erreur, l'avis


def test_limiter_sorties_ne_touche_pas_une_cellule_raisonnable():
    cellule = code("print(1)")
    cellule.outputs = sorties(3)
    nb, _ = LimiterSorties().preprocess(notebook(cellule), {})
    assert nb.cells[0].outputs == sorties(3)


def cellule_de_verification(grade_id="ex1_verif"):
    cellule = code('assert x == 1, "x doit valoir 1"\n### BEGIN HIDDEN TESTS\nassert abs(x - 1) < 1e-9, "exact"\n'
                   "### END HIDDEN TESTS", grade_id=grade_id, grade=True, locked=True, points=2)
    cellule.outputs = [new_output("error", ename="AssertionError", evalue="exact", traceback=[
        "Traceback", '----> 3 assert abs(x - 1) < 1e-9, "exact"', "AssertionError: exact"])]
    return cellule


def test_masquer_tests_caches_retire_la_region_et_reduit_la_trace_au_message():
    nb, _ = MasquerTestsCaches().preprocess(notebook(cellule_de_verification()), {})
    cellule = nb.cells[0]
    assert "HIDDEN" not in cellule.source and "abs(x - 1)" not in cellule.source
    assert 'assert x == 1, "x doit valoir 1"' in cellule.source
    assert cellule.outputs[0].traceback == ["AssertionError: exact"]


def test_masquer_tests_caches_laisse_les_reponses_des_etudiants():
    reponse = code("x = 1\n### BEGIN HIDDEN TESTS\nmon commentaire\n### END HIDDEN TESTS",
                   grade_id="ex1_reponse", solution=True, grade=True, points=1)
    nb, _ = MasquerTestsCaches().preprocess(notebook(reponse), {})
    assert "mon commentaire" in nb.cells[0].source
