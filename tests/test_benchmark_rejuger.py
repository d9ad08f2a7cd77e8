"""``benchmark.py --rejuger`` : les échantillons publiés (uint8) notés par le juge d'ici, à côté
des valeurs de leurs JSON. Juge et données remplacés par des doublures : pas d'entraînement."""
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE / "benchmarks"))
import benchmark as B  # noqa: E402


def test_rejuger_lit_chaque_fichier_publie_et_donne_les_ecarts(tmp_path, monkeypatch, capsys):
    vus = []

    def evaluer(juge, images, echelle, stats):  # doublure : « confiants » = luminosité moyenne dans [0, 1]
        vus.append((images.dtype, float(images.min()), float(images.max())))
        c = float((images.mean() + 1) / 2)
        return {"confiants": c, "fd": 10 * c, "classe_min": c / 10}

    monkeypatch.setattr(B, "charger_donnees", lambda graine: (None, None, {}, {}))
    monkeypatch.setattr(B, "preparer_juge", lambda split, dossier: (None, None, {"precision": 0.9796, "fd_reel": 2.25}))
    monkeypatch.setattr(B.J, "evaluer", evaluer)
    images = np.full((4, 28, 28), 255, dtype=np.uint8)
    images[:2] = 0  # moitié noires, moitié blanches : luminosité moyenne 0,5 une fois dans [−1, 1]
    np.save(tmp_path / "maitre-graine2-beta.npy", images)
    chemin = {"confiants": 0.48, "fd": 5.3, "classe_min": 0.05}
    cle = {"budget": {"epochs": 240}, "code": "x"}
    (tmp_path / "maitre-graine2.json").write_text(json.dumps({
        "variante": "maitre", "graine": 2, "cle": cle,
        "contexte": {"juge": {"precision": 0.9788}}, "chemins": {"σ²=β": chemin},
        "echantillons": {"σ²=β": "maitre-graine2-beta.npy"}}), encoding="utf-8")
    (tmp_path / "plongement-graine1.json").write_text(json.dumps({  # d'avant l'enregistrement des échantillons
        "variante": "plongement", "graine": 1, "cle": cle,
        "contexte": {"juge": {"precision": 0.9796}}, "chemins": {"σ²=β": chemin}}), encoding="utf-8")

    B.rejuger(SimpleNamespace(resultats=tmp_path, sortie=tmp_path / "sortie"))

    sortie = capsys.readouterr().out
    assert vus == [(np.float32, -1.0, 1.0)]  # un seul fichier, remis dans l'échelle du TP
    assert "| `maitre-graine2-beta.npy` | 97.88 % | 48.0 → 50.0 % | 5.30 → 5.00 | 5.0 → 5.0 % |" in sortie
    assert "plus grands écarts sur 1 fichiers : confiants 2.0 points, FD 0.30" in sortie
