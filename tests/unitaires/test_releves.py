"""Correction en deux temps, sur des cellules faites main : relevés, carnet d'exécution, juge.

Le noyau de l'étudiant n'écrit que des données ; le juge exécute les vérifications sur ces
données. Ces tests n'ont besoin ni de noyau ni de TensorFlow (quelques dizaines de ms).
"""
import json
import os

import numpy as np
import pytest
from outils import code, notebook, noyau

from autograder.correction.execution.carnet_execution import carnet_execution, reporter_sorties
from autograder.correction.execution.releves import (
    MARQUEUR_JUGEMENT,
    ecrire_entrees,
    lire_entrees,
    lire_releve,
    lus_et_definis,
    reecrire_parametres,
    separer,
    tirer_variante,
    verifications,
)
from autograder.correction.jugement import juge

OUTILS = '''import hashlib
def _double(v):
    return 2 * v * facteur
'''


def test_noms_libres_lus_avant_d_etre_definis_et_portees():
    lus, definis = lus_et_definis("a, b = np.asarray(a), 2\ndef f(t):\n    return t + x\nc = [u for u in y]\nprint(b)")
    assert {"a", "x", "y", "np", "print"} <= lus and "t" not in lus and "u" not in lus and "b" not in lus
    assert {"a", "b", "c", "f"} <= definis


def test_extraction_et_jugement_separes_par_le_marqueur():
    assert separer(f"s = Seq(x)\nv = s.alpha\n{MARQUEUR_JUGEMENT}\nassert v == 1") == ("s = Seq(x)\nv = s.alpha",
                                                                                   "assert v == 1")
    assert separer("assert beta is not ...") == ("", "assert beta is not ...")


def test_verifications_relevent_les_noms_du_jugement_et_des_outils_qu_il_appelle():
    nb = notebook(
        code(OUTILS, grade_id="outils", locked=True),
        code("### BEGIN HIDDEN TESTS\n_REF = 3\n### END HIDDEN TESTS\nassert beta == _REF", grade_id="ex1_verif",
             grade=True, locked=True, points=1),
        code(f"s = Seq(x)\nv = s.alpha\n{MARQUEUR_JUGEMENT}\nassert _double(v) == _REF", grade_id="ex2_verif",
             grade=True, locked=True, points=1),
    )
    v1, v2 = verifications(nb.cells, OUTILS)
    assert v1.noms == ["beta"] and v1.extraction == ""
    # _REF : défini par une vérification précédente (le juge l'a) ; facteur : lu par _double.
    assert v2.noms == ["facteur", "v"] and v2.extraction == "s = Seq(x)\nv = s.alpha"


def test_les_outils_appeles_par_les_outils_comptent_aussi():
    """Une vérification d'une ligne (``verification_ex3()``) relève tout ce que lit sa fonction,
    de fonction en fonction ; jamais ``get_ipython`` (le noyau, pas une donnée)."""
    outils = ("def _etape():\n    return get_ipython().execution_count, x_0\n"
              "def _aide():\n    return _etape(), epsilon\n"
              "def verification_ex3():\n    return _aide(), x\n")
    nb = notebook(code("_v = verification_ex3()\nprint(_v)", grade_id="ex3_verif", grade=True, locked=True, points=2))
    (v,) = verifications(nb.cells, outils)
    assert v.noms == ["epsilon", "x", "x_0"]


def test_parametres_reecrits_et_poses_en_tete():
    texte = reecrire_parametres("T = 10\nbeta_1 = 0.1\nbeta = np.linspace(beta_1, 0.8, T)", {"T": 7, "beta_1": 0.2})
    assert texte.splitlines()[:2] == ["T = 7", "beta_1 = 0.2"]
    assert "T = 10" not in texte and "beta_1 = 0.1" not in texte and "np.linspace(beta_1, 0.8, T)" in texte
    assert reecrire_parametres("T = (", {"T": 7}).startswith("T = 7\n")  # erreur de syntaxe gardée


def test_parametres_tires_jamais_ceux_du_notebook():
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = tirer_variante(rng)
        assert p["T"] != 10 and 5 <= p["T"] <= 20 and 0 < p["beta_1"] < p["beta_T"] < 1


def test_entrees_aller_retour(tmp_path):
    ecrire_entrees(tmp_path, "ex1", {"T": 10, "beta": np.arange(3.0)})
    valeurs = lire_entrees(tmp_path, "ex1")
    assert valeurs["T"] == 10 and np.array_equal(valeurs["beta"], np.arange(3.0))


def test_releve_aller_retour_sans_pickle(tmp_path):
    class Historique:
        pass

    espace = noyau(tmp_path, {"beta": np.linspace(0, 1, 4), "T": 10, "eps": ..., "h": Historique(),
                              "liste": [1.5, np.float64(2.0)], "nom": "x", "p": {"a": np.ones(2)}})
    np.random.seed(3)
    espace["_tp_relever"]("ex1_verif", ["beta", "T", "eps", "h", "liste", "nom", "p", "absent"])
    releve = lire_releve(tmp_path / "releves", "ex1_verif")
    v = releve.valeurs
    assert np.array_equal(v["beta"], np.linspace(0, 1, 4)) and v["T"] == 10 and v["eps"] is ...
    assert repr(v["h"]) == "<Historique (non relevé)>" and v["liste"] == [1.5, 2.0] and v["nom"] == "x"
    assert np.array_equal(v["p"]["a"], np.ones(2)) and "absent" not in v and releve.erreur is None
    rng = np.random.RandomState(3)
    np.random.set_state(releve.rng)
    assert np.random.rand() == rng.rand()  # l'état du générateur global est relevé
    with open(tmp_path / "releves" / "ex1_verif.npz", "rb") as f:
        assert b"pickle" not in f.read()


def test_extraction_qui_echoue_relevee_comme_erreur(tmp_path):
    espace = noyau(tmp_path, {"Seq": lambda x: 1 / 0, "x": 1})
    espace["_tp_relever"]("ex5a_verif", ["s"], "s = Seq(x)")
    releve = lire_releve(tmp_path / "releves", "ex5a_verif")
    assert releve.erreur == {"ename": "ZeroDivisionError", "evalue": "division by zero"}


def test_entrees_choisies_a_la_correction_remplacent_celles_du_noyau(tmp_path):
    ecrire_entrees(tmp_path / "entrees", "images", {"x_train": np.full(4, 7)})
    espace = noyau(tmp_path, {"x_train": np.zeros(4)})
    espace["_tp_relever"]("ex5b_verif", ["somme"], "somme = int(x_train.sum())", "images")
    assert lire_releve(tmp_path / "releves", "ex5b_verif").valeurs["somme"] == 28
    assert np.array_equal(espace["x_train"], np.zeros(4))  # l'espace de l'étudiant reste le sien


def test_variante_relance_les_cellules_avec_d_autres_valeurs(tmp_path):
    ecrire_entrees(tmp_path / "entrees", "v2", {"beta": np.array([0.0, 0.5])})
    espace = noyau(tmp_path, {"np": np, "beta": np.array([0.0, 0.1])})
    espace["_tp_variante"]("variante", [("ex1", "T = 3\nb = T * 2", None, ["b"]),
                                        ("ex2", "alpha = 1 - beta", "v2", ["alpha"]),
                                        ("ex3", "raise ValueError('non')", None, [])])
    v = lire_releve(tmp_path / "releves", "variante").valeurs
    assert v["b"] == 6 and np.array_equal(v["alpha"], [1.0, 0.5]) and "ValueError" in v["erreur_ex3"]
    assert np.array_equal(espace["beta"], [0.0, 0.1]) and "b" not in espace


MAITRE = notebook(
    code(OUTILS, grade_id="outils_verification", locked=True),
    code("beta = ...", grade_id="ex1_reponse", solution=True),
    code("assert beta is not ..., 'vide'\n### BEGIN HIDDEN TESTS\nassert beta[1] == 0.1, 'caché'\n### END HIDDEN TESTS",
         grade_id="ex1_verif", grade=True, locked=True, points=2),
    code("alpha = 1 - beta", grade_id="ex2_reponse", solution=True),
    code("print(_double(alpha[1]))", grade_id="ex2b_verif", grade=True, locked=True, points=1),
)


def test_carnet_d_execution_sans_aucune_ligne_de_test(tmp_path):
    verifs = verifications(MAITRE.cells, OUTILS)
    carnet = carnet_execution(MAITRE, verifs, parametres_variante={"T": 7, "beta_1": 0.2, "beta_T": 0.5})
    texte = "\n".join(c.source for c in carnet.cells)
    assert "caché" not in texte and "HIDDEN" not in texte and "'vide'" not in texte
    assert "_tp_relever('ex1_verif', ['beta']" in texte and "_tp_injecter('ex1_verif')" in texte
    assert "_tp_variante('variante'" in texte and "T = 7" in texte
    # les sorties reviennent aux cellules d'origine ; celles des vérifications viendront du juge
    for cellule in carnet.cells:
        cellule.outputs = [{"output_type": "stream", "name": "stdout", "text": cellule.source[:8]}]
    reporter_sorties(carnet, MAITRE)
    assert MAITRE.cells[1].outputs[0]["text"] == "beta = ." and MAITRE.cells[2].outputs == []


def test_le_bilan_n_est_pas_relance_a_la_correction():
    """Le bilan résume les vérifications exécutées dans le noyau : à la correction, elles sont
    jugées à part ; sa cellule renvoie à la note du juge."""
    nb = notebook(*MAITRE.cells, code("bilan()", grade_id="bilan", locked=True))
    carnet = carnet_execution(nb, verifications(nb.cells, OUTILS), parametres_variante={"T": 7, "beta_1": 0.2,
                                                                                         "beta_T": 0.5})
    assert "bilan()" not in "\n".join(c.source for c in carnet.cells)
    assert "en tête de cette page" in carnet.cells[-1].source


@pytest.mark.parametrize("beta, attendu", [(np.array([0.0, 0.1]), None), (..., "vide"),
                                            (np.array([0.0, 0.2]), "caché")])
def test_le_juge_ne_lit_que_les_donnees(tmp_path, beta, attendu):
    noyau(tmp_path, {"beta": beta, "alpha": np.array([1.0, 0.9]), "facteur": 1})["_tp_relever"]("ex1_verif", ["beta"])
    verifs = verifications(MAITRE.cells, OUTILS)
    demande = {"releves": str(tmp_path / "releves"), "outils": OUTILS, "unet": "",
               "verifications": [{"grade_id": v.grade_id, "jugement": v.jugement, "noms": v.noms} for v in verifs]}
    resultats = juge.juger(demande)
    erreur = resultats["ex1_verif"]["erreur"]
    assert (erreur is None) if attendu is None else (erreur["evalue"] == attendu)
    # ex2b n'a pas été relevé : non noté, et le juge le dit
    assert resultats["ex2b_verif"]["erreur"]["ename"] == "RelevéAbsent"
    json.dumps(resultats)  # le résultat est une donnée simple


@pytest.mark.parametrize("piege", ["tube", "lien", "archive_enorme", "json_casse"])
def test_un_releve_piege_n_est_pas_lu(tmp_path, monkeypatch, piege):
    """Le noyau de l'étudiant écrit son dossier de relevés : un tube nommé ou un lien vers
    ``/dev/zero`` bloqueraient le juge (partagé par la classe), une archive démesurée
    épuiserait sa mémoire. Le juge n'en lit rien, et la vérification n'est pas notée."""
    import threading

    from autograder.correction.execution import releves as module

    noyau(tmp_path, {"beta": np.array([0.0, 0.1])})["_tp_relever"]("ex1_verif", ["beta"])
    dossier = tmp_path / "releves"
    if piege == "tube":
        (dossier / "ex1_verif.json").unlink()
        os.mkfifo(dossier / "ex1_verif.json")
    elif piege == "lien":
        (dossier / "ex1_verif.npz").unlink()
        os.symlink("/dev/zero", dossier / "ex1_verif.npz")
    elif piege == "archive_enorme":
        monkeypatch.setattr(module, "MAX_OCTETS_NPZ", 100)
    else:
        (dossier / "ex1_verif.json").write_text("{pas du JSON")
    verifs = verifications(MAITRE.cells, OUTILS)
    demande = {"releves": str(dossier), "outils": OUTILS, "unet": "",
               "verifications": [{"grade_id": v.grade_id, "jugement": v.jugement, "noms": v.noms} for v in verifs]}
    resultats = {}
    fil = threading.Thread(target=lambda: resultats.update(juge.juger(demande)), daemon=True)
    fil.start()
    fil.join(timeout=10)
    assert not fil.is_alive(), "le juge est resté bloqué sur le relevé"
    assert resultats["ex1_verif"]["erreur"]["ename"] == "RelevéInvalide", resultats["ex1_verif"]
