"""Parts d'une classe (``--shard i/n``) et leur fusion, sur des états construits à la main."""
import json
from pathlib import Path

import pytest

from autograder.correction.lecture.remises import Remise, selectionner_part
from autograder.correction.sorties.fusion import fusionner

CLASSE = [Remise(f"étudiant {i}", Path(f"{i}.ipynb")) for i in range(40)]


def test_les_parts_couvrent_la_classe_sans_recouvrement():
    parts = [selectionner_part(CLASSE, f"{i}/4") for i in range(1, 5)]
    noms = [s.etudiant for part in parts for s in part]
    assert sorted(noms) == sorted(s.etudiant for s in CLASSE)
    assert all(parts)  # 40 étudiants sur 4 parts : aucune vide


def test_une_part_ne_change_pas_quand_la_classe_grandit():
    avant = {s.etudiant for s in selectionner_part(CLASSE[:30], "2/4")}
    apres = {s.etudiant for s in selectionner_part(CLASSE, "2/4")}
    assert avant == apres & {s.etudiant for s in CLASSE[:30]}


@pytest.mark.parametrize("part", ["0/4", "5/4", "2", "a/b", "1/0"])
def test_part_invalide(part):
    with pytest.raises(ValueError, match="Part invalide"):
        selectionner_part(CLASSE, part)


def etat(part, etudiant, date, scores, retour="<p>retour</p>"):
    (part / "etat").mkdir(parents=True, exist_ok=True)
    fichier = part / "etat" / f"{etudiant}.json"
    fichier.write_text(json.dumps({"etudiant": etudiant, "date": date, "remarques": [],
                                   "resultat": {"scores": scores, "remarques": []}}), encoding="utf-8")
    (part / "feedback").mkdir(exist_ok=True)
    (part / "feedback" / f"{etudiant}.html").write_text(f"{retour} {part.name}", encoding="utf-8")


def test_fusion_garde_le_plus_recent_et_archive_sans_rien_perdre(tmp_path):
    etat(tmp_path / "p1", "Ana", "2026-01-01T10:00:00", {"ex1_verif": 0})
    etat(tmp_path / "p2", "Ana", "2026-01-02T10:00:00", {"ex1_verif": 2})
    etat(tmp_path / "p2", "Bob", "2026-01-01T10:00:00", {"ex1_verif": 1})
    (tmp_path / "p3").mkdir()  # part vide
    sortie = tmp_path / "fusion"
    lignes = fusionner([tmp_path / "p1", tmp_path / "p2", tmp_path / "p3"], sortie, ecran=open("/dev/null", "w"))
    par_nom = {ligne["student_id"]: ligne for ligne in lignes}
    assert par_nom["Ana"]["ex1"] == 2 and par_nom["Bob"]["ex1"] == 1
    assert "noté dans deux parts (p1 et p2)" in par_nom["Ana"]["statut"]
    assert (sortie / "feedback" / "Ana.html").read_text(encoding="utf-8").endswith("p2")
    assert (sortie / "notes.csv").exists() and (sortie / "moodle.csv").exists()
    # Une seconde fusion n'écrase rien : les anciens états et retours sont archivés.
    fusionner([tmp_path / "p1"], sortie, ecran=open("/dev/null", "w"))
    archives = sorted(p.name.split("-", 2)[-1] for p in (sortie / "archives").iterdir())
    assert archives == ["Ana.html", "Ana.json", "notes.csv"]


def test_fusion_d_une_part_absente(tmp_path):
    with pytest.raises(FileNotFoundError, match="Part introuvable"):
        fusionner([tmp_path / "absente"], tmp_path / "sortie")
