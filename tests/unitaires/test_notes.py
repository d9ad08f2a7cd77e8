"""Lignes de notes, notes.csv et moodle.csv : points par exercice, garde contre les formules."""
import csv
import io

from autograder.bareme import bareme
from autograder.correction.sorties.notes import ligne_de_note, lignes_notes, texte_moodle


def test_ligne_de_note_somme_les_cellules_par_exercice_et_ramene_sur_20():
    ligne = ligne_de_note("Ana", {"scores": {"ex1_verif": 2, "ex2a_verif": 2, "ex2b_verif": 0}, "remarques": []})
    maximum = sum(bareme().values())
    assert (ligne["ex1"], ligne["ex2"], ligne["ex3"]) == (2.0, 2.0, 0.0)
    assert ligne["total"] == 4.0 and ligne["note_sur_20"] == round(20 * 4 / maximum, 2)
    assert ligne["statut"] == "ok"


def test_ligne_de_note_dit_les_remarques_puis_l_erreur():
    ligne = ligne_de_note("Ana", {"scores": {}, "remarques": ["cellule déplacée"], "erreur": "remise illisible"},
                          remarques=["2 remises trouvées"])
    assert ligne["statut"] == "2 remises trouvées ; cellule déplacée ; remise illisible"
    assert ligne["note_sur_20"] == 0


def hostile(nom):
    return {**ligne_de_note(nom, {"scores": {}}), "statut": "=HYPERLINK(\"http://x\")"}


def test_notes_csv_neutralise_les_formules_de_tableur():
    lignes = [hostile(nom) for nom in ("=1+1", "+33 6", "-2", "@SUM(A1)", "Zoé")]
    rangees = list(csv.DictReader(io.StringIO(lignes_notes(lignes))))
    assert [r["student_id"] for r in rangees] == ["'+33 6", "'-2", "'=1+1", "'@SUM(A1)", "Zoé"]
    assert all(r["statut"].startswith("'=") for r in rangees)
    assert list(rangees[0])[:2] == ["student_id", "ex1"] \
        and list(rangees[0])[-4:] == ["total", "note_sur_20", "statut", "signalements"]


def test_moodle_csv_neutralise_les_formules_et_garde_deux_decimales():
    rangees = list(csv.reader(io.StringIO(texte_moodle([hostile("=cmd|' /C calc'!A0")]))))
    assert rangees[0] == ["identifiant", "TP diffusion", "commentaire"]
    assert rangees[1][:2] == ["'=cmd|' /C calc'!A0", "0.00"]
    assert "'=HYPERLINK(" in rangees[1][2] and "=HYPERLINK(" not in rangees[1][2].replace("'=", "")
