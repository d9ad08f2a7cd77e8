"""Empreintes des vérifications visibles : celles du maître sont celles que donne son planning,
et un planning modifié se voit (``autograder.distribution.empreintes``)."""
import re
import shutil

import nbformat
import numpy as np
import pytest

from autograder.cellules import grade_id
from autograder.chemins import NOTEBOOK_MAITRE
from autograder.distribution import empreintes


def test_les_empreintes_du_maitre_sont_celles_de_son_planning():
    resultat = empreintes.verifier(maitre=NOTEBOOK_MAITRE)
    assert resultat.a_jour, ("Les empreintes du maître ne sont plus celles de son planning "
                             "(lancez « make student ») :\n" + "\n".join(map(str, resultat.ecarts)))


def test_les_empreintes_sont_des_donnees_et_seulement_dans_la_cellule_des_outils():
    """Les tables couvrent t = 1, ..., T ; elles sont écrites une fois, dans le bloc de données de
    ``outils_verification`` ; aucune vérification ne contient d'empreinte littérale."""
    nb = nbformat.read(NOTEBOOK_MAITRE, as_version=4)
    planning = empreintes.planning_du_maitre(nb)
    donnees = empreintes.donnees_du_maitre(nb)
    for par_nom in donnees["tables"].values():
        for table in par_nom.values():
            assert sorted(map(int, table)) == list(range(1, planning.T + 1))
    sources = {grade_id(c): c.source for c in nb.cells if c.cell_type == "code"}
    # la cellule des outils : le module des vérifications, recopié tel quel, puis les données
    assert sources["outils_verification"] == empreintes.cellule_outils(empreintes.ecrire_donnees(donnees))
    for gid, texte in sources.items():
        if gid != "outils_verification":
            assert not empreintes.EMPREINTE_LITTERALE.search(texte), gid
    # lues par les vérifications avec _table et _scalaire, telles que les outils les rendent
    espace = {"np": np}
    exec(sources["outils_verification"], espace)
    ex3 = donnees["tables"]["ex3_verif"]["_ATTENDU"]["1"]
    assert espace["_table"]("ex3_verif", "_ATTENDU")[1] == tuple(set(c) for c in ex3)
    assert espace["_scalaire"]("ex2b_verif", "mu_x_T") == {donnees["scalaires"]["ex2b_verif"]["mu_x_T"]}


@pytest.fixture
def copie(tmp_path):
    chemin = tmp_path / "maitre.ipynb"
    shutil.copyfile(NOTEBOOK_MAITRE, chemin)
    return chemin


def modifier(chemin, identifiant, avant, apres):
    nb = nbformat.read(chemin, as_version=4)
    (cellule,) = [c for c in nb.cells if grade_id(c) == identifiant]
    assert avant in cellule.source
    cellule.source = cellule.source.replace(avant, apres)
    chemin.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def noms(ecarts, genre):
    return {(e.grade_id, e.nom) for e in ecarts if e.genre == genre}


TOUTES_LES_TABLES = {(gid, nom) for gid, tables in empreintes.TABLES.items() for nom in tables}
TOUS_LES_SCALAIRES = {(gid, nom) for gid, s in empreintes.SCALAIRES.items() for nom in s}


def test_un_autre_planning_se_voit_dans_chaque_table_sans_rien_ecrire(copie, capsys):
    modifier(copie, "ex1_reponse", "beta_T = 0.8", "beta_T = 0.7")
    octets = copie.read_bytes()
    resultat = empreintes.verifier(maitre=copie)
    assert noms(resultat.ecarts, "différente") == TOUTES_LES_TABLES | TOUS_LES_SCALAIRES
    assert noms(resultat.ecarts, "à la main") == {("ex1_verif", "np.linspace(…)")}
    # t = 1 ne dépend que de beta_1, inchangé : l'écart est dit étape par étape.
    assert all("t = 2, 3, 4, 5, 6, 7, 8, 9, 10." in e.message for e in resultat.ecarts if e.nom.startswith("_A"))
    assert empreintes.main(["--verifier", "--maitre", str(copie)]) == 1
    err = capsys.readouterr().err
    assert "n'est pas cohérent avec son planning (T = 10, beta_1 = 0.1, beta_T = 0.7)" in err
    assert "ex7_verif, _FAUTE_RACINE : empreintes différentes" in err and "make student" in err
    assert copie.read_bytes() == octets  # vérifier n'écrit rien


def test_ecrire_ne_change_que_les_empreintes_puis_le_maitre_est_coherent(copie, capsys):
    modifier(copie, "ex1_reponse", "beta_T = 0.8", "beta_T = 0.7")
    modifier(copie, "ex1_verif", "np.linspace(0.1, 0.8, 10)", "np.linspace(0.1, 0.7, 10)")
    avant = copie.read_text(encoding="utf-8").splitlines()
    assert empreintes.main(["--ecrire", "--maitre", str(copie)]) == 0
    assert "Empreintes réécrites" in capsys.readouterr().out
    apres = copie.read_text(encoding="utf-8")
    assert apres == nbformat.writes(nbformat.read(copie, as_version=4)) + "\n"  # écriture de nbformat.write
    changees = [(a, b) for a, b in zip(avant, apres.splitlines(), strict=True) if a != b]
    # Une ligne par table (t = 1 ne dépend que de beta_1 : ses empreintes restent) et la ligne des
    # empreintes scalaires ; sur chaque ligne, seules des empreintes changent.
    assert len(changees) == len(TOUTES_LES_TABLES) + 1
    assert all(re.sub(r"[0-9a-f]{12}", "", a) == re.sub(r"[0-9a-f]{12}", "", b) for a, b in changees)
    assert empreintes.verifier(maitre=copie).a_jour
    # Réécrire les données de 0.8 depuis ce maître redonne exactement le maître du dépôt (hors ex1).
    modifier(copie, "ex1_reponse", "beta_T = 0.7", "beta_T = 0.8")
    modifier(copie, "ex1_verif", "np.linspace(0.1, 0.7, 10)", "np.linspace(0.1, 0.8, 10)")
    assert empreintes.ecrire(maitre=copie).ecrit
    assert copie.read_bytes() == NOTEBOOK_MAITRE.read_bytes()


def test_l_empreinte_est_celle_du_module_des_verifications(copie, tmp_path, monkeypatch):
    """Une seule définition de _empreinte, celle du module : la changer change toutes les tables
    (calculées dès le premier « make student » avec la nouvelle fonction) ; la changer dans la
    cellule du maître seulement ne change aucune table, et la cellule redevient le module."""
    modifier(copie, "outils_verification", ".hexdigest()[:12]", ".hexdigest()[:10]")
    assert noms(empreintes.verifier(maitre=copie).ecarts, "différente") == {("outils_verification", "code")}
    module = tmp_path / "verifications.py"
    module.write_text(empreintes.MODULE_VERIFICATIONS.read_text(encoding="utf-8").replace(
        ".hexdigest()[:12]", ".hexdigest()[:10]"), encoding="utf-8")
    monkeypatch.setattr(empreintes, "MODULE_VERIFICATIONS", module)
    # (la cellule modifiée est maintenant ce module-là : seules les données diffèrent)
    assert noms(empreintes.verifier(maitre=copie).ecarts, "différente") == TOUTES_LES_TABLES | TOUS_LES_SCALAIRES
    assert empreintes.ecrire(maitre=copie).ecrit and empreintes.verifier(maitre=copie).a_jour
    espace = {"np": np}
    exec(nbformat.read(copie, as_version=4).cells[3].source, espace)
    assert len(next(iter(espace["_table"]("ex3_verif", "_ATTENDU")[1][0]))) == 10


def test_table_recopiee_dans_une_verification_ou_donnees_absentes_rien_n_est_ecrit(copie, capsys):
    modifier(copie, "ex1_reponse", "beta_T = 0.8", "beta_T = 0.7")
    modifier(copie, "ex4_verif", "_verdict = verification_ex4()",
             "_verdict = verification_ex4()\n_FAUTE_ALPHA = {1: ({'56add7e7b4ea'},)}")
    modifier(copie, "outils_verification", "_EMPREINTES = json.loads", "_EMPREINTES = (json.loads)")
    octets = copie.read_bytes()
    resultat = empreintes.ecrire(maitre=copie)
    assert not resultat.ecrit and copie.read_bytes() == octets
    # le bloc de données n'est plus reconnu : ses empreintes comptent aussi comme hors des données
    assert noms(resultat.ecarts, "illisible") == {("ex4_verif", "empreinte littérale"),
                                                  ("outils_verification", "empreinte littérale"),
                                                  ("outils_verification", "_EMPREINTES")}
    assert empreintes.main(["--ecrire", "--maitre", str(copie)]) == 1
    err = capsys.readouterr().err
    assert "ex4_verif, empreinte littérale\u00a0: les empreintes vivent dans les données" in err
    assert "données introuvables" in err and "Rien n'a été écrit" in err
    assert copie.read_bytes() == octets


def test_maitre_sans_planning_message_clair(copie, capsys):
    modifier(copie, "ex1_reponse", "beta_T = 0.8", "beta_T = float(0.8)")
    assert empreintes.main(["--maitre", str(copie)]) == 1
    assert "ex1_reponse ne donne pas beta_T comme constante" in capsys.readouterr().err
