"""notes.csv et moodle.csv sans formule, quel que soit le séparateur que choisit le tableur à l'ouverture."""
import csv
import io

import pytest

from autograder.correction.sorties.notes import (
    cellule_sure,
    commentaire_court,
    ligne_de_note,
    lignes_notes,
    texte_moodle,
)

HOSTILES = ["Mallory;=1+1;x", "Eve,=HYPERLINK(\"http://x\"),y", "Oscar\t@SUM(A1)", "Trudy; +33 6",
            "Peggy|-2+3", "Walter\n=1+2", "=cmd|' /C calc'!A0", "Jean-Luc O'Brien", "ana@univ.fr"]
SEPARATEURS = [",", ";", "\t", "|", " "]


def _cellules(texte, separateur):
    """Cellules comme les découpe un tableur qui ignore les guillemets (le pire cas)."""
    return [c for ligne in texte.splitlines() for c in ligne.split(separateur)]


def _formule(cellule):
    return cellule.lstrip(" \t")[:1] in ("=", "+", "-", "@") and not cellule.startswith("'")


@pytest.mark.parametrize("separateur", SEPARATEURS)
def test_aucune_cellule_ne_commence_par_une_formule(separateur):
    lignes = [{**ligne_de_note(nom, {"scores": {}}), "statut": nom} for nom in HOSTILES]
    for texte in (lignes_notes(lignes), texte_moodle(lignes)):
        for lecteur in (csv.reader(io.StringIO(texte), delimiter=separateur), [_cellules(texte, separateur)]):
            for rangee in lecteur:
                assert not any(_formule(c) for c in rangee), rangee


def test_le_texte_sur_reste_lisible():
    assert cellule_sure("Mallory;=1+1;x") == "Mallory;'=1+1;x"
    assert cellule_sure("=1+1") == "'=1+1" and cellule_sure("Trudy; +33") == "Trudy; '+33"
    for inoffensif in ("Jean-Luc O'Brien", "ana@univ.fr", "Zoé", "ex2 : 1 → 3 / 3 point(s)"):
        assert cellule_sure(inoffensif) == inoffensif
    assert cellule_sure(2.5) == 2.5


def test_commentaire_court_en_francais_sans_ok():
    ligne = ligne_de_note("Ana", {"scores": {"ex1_verif": 2, "ex2a_verif": 1.5}})
    texte = commentaire_court(ligne)
    assert texte.startswith("Note\u00a0: ") and "ex1 2/2, ex2 1,5/3, ex3 0/2" in texte
    assert "ok" not in texte.split() and "Remarque" not in texte
    assert "Remarque\u00a0: remise illisible." in commentaire_court({**ligne, "statut": "remise illisible"})
