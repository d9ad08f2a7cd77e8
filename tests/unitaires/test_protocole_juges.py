"""Les juges de la classe (``autograder/correction/jugement/service.py``) : le protocole des
demandes, sur des relevés faits main, sans TensorFlow (le juge tourne ici dans un fil).

Ce qui compte : une remise jugée par le juge de la classe reçoit exactement ce qu'un juge à
elle lui donnerait, rien d'une remise jugée avant elle ; et quoi qu'il arrive au juge de la
classe, ``faire_juger`` rend la main (None : la remise aura un juge à elle).
"""
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from outils import noyau

from autograder.correction.jugement import juge, service

JUGEMENT = "assert beta[1] == 0.1, 'faux'\nprint('juste', beta[1])"


def demande(tmp_path, nom, beta, jugement=JUGEMENT):
    """Une demande de jugement pour une remise dont le noyau a relevé ``beta``."""
    dossier = tmp_path / nom
    noyau(dossier, {"beta": beta})["_tp_relever"]("q1", ["beta"])
    return {"releves": str(dossier / "releves"), "resultats": str(dossier / "jugement.json"), "outils": "",
            "unet": "", "verifications": [{"grade_id": "q1", "jugement": jugement, "noms": ["beta"]}]}


@pytest.fixture
def juge_de_classe(tmp_path, monkeypatch):
    """Un juge de la classe qui sert dans un fil de ce processus (sans import de Keras)."""
    monkeypatch.setattr(juge, "prechauffer", lambda: None)
    dossier = tmp_path / "juges"
    fil = threading.Thread(target=service.servir, args=(dossier,), daemon=True)
    fil.start()
    while not service.juges_vivants(dossier):
        time.sleep(0.01)
    yield dossier
    (dossier / "arret").touch()
    fil.join(timeout=5)
    assert not fil.is_alive() and not service.juges_vivants(dossier)


def test_meme_verdict_qu_un_juge_a_soi_et_rien_de_la_remise_precedente(tmp_path, juge_de_classe):
    juste = demande(tmp_path, "a", np.array([0.0, 0.1]))
    fausse = demande(tmp_path, "b", np.array([0.0, 0.2]), jugement="np.random.seed(0)\n" + JUGEMENT)
    hasard = demande(tmp_path, "c", np.array([0.0, 0.1]), jugement="print(np.random.rand())")
    releve = tmp_path / "c" / "releves" / "q1.json"  # sans l'état du générateur du noyau
    releve.write_text(json.dumps({**json.loads(releve.read_text()), "rng": None}))
    seul = juge.juger(juste)
    assert seul["q1"] == {"sortie": "juste 0.1\n", "erreur": None}
    assert service.faire_juger(juge_de_classe, "a", juste, delai=10) == seul
    assert service.faire_juger(juge_de_classe, "b", fausse, delai=10)["q1"]["erreur"]["evalue"] == "faux"
    # la remise précédente a fixé la graine de NumPy : la suivante part d'un générateur neuf
    assert service.faire_juger(juge_de_classe, "c", hasard, delai=10)["q1"]["sortie"] != \
        f"{np.random.RandomState(0).rand()}\n"
    assert service.faire_juger(juge_de_classe, "a", juste, delai=10) == seul
    assert not list(juge_de_classe.glob("*.demande.json")) and not list(juge_de_classe.glob("*.en_cours"))


def test_un_echec_du_juge_de_classe_rend_la_main_et_il_continue(tmp_path, juge_de_classe):
    cassee = {**demande(tmp_path, "a", np.array([0.0, 0.1])), "releves": None}  # le juge lèvera
    assert service.faire_juger(juge_de_classe, "a", cassee, delai=10) is None
    assert "TypeError" in (juge_de_classe / "a.echec").read_text(encoding="utf-8")
    juste = demande(tmp_path, "b", np.array([0.0, 0.1]))
    assert service.faire_juger(juge_de_classe, "b", juste, delai=10)["q1"]["erreur"] is None


def test_sans_juge_en_service_rien_n_attend(tmp_path):
    dossier = tmp_path / "juges"
    dossier.mkdir()
    (dossier / "juge-999999999.vivant").touch()  # marque d'un juge disparu
    debut = time.monotonic()
    assert service.faire_juger(dossier, "a", demande(tmp_path, "a", np.array([0.0, 0.1])), delai=30) is None
    assert time.monotonic() - debut < 1 and not list(dossier.glob("*.demande.json"))


def prise_par(dossier, nom, pid):
    """Un « juge » qui prend la demande ``nom`` sous le pid ``pid`` puis ne fait plus rien."""
    def prendre():
        while not (dossier / f"{nom}.demande.json").exists():
            time.sleep(0.01)
        (dossier / f"{nom}.demande.json").rename(dossier / f"{nom}.{pid}.en_cours")
    fil = threading.Thread(target=prendre, daemon=True)
    fil.start()
    return fil


def test_juge_arrete_apres_avoir_pris_la_demande(tmp_path):
    dossier = tmp_path / "juges"
    dossier.mkdir()
    (dossier / f"juge-{os.getpid()}.vivant").touch()
    disparu = subprocess.Popen([sys.executable, "-c", "pass"])
    disparu.wait()
    prise_par(dossier, "a", disparu.pid)
    debut = time.monotonic()
    assert service.faire_juger(dossier, "a", demande(tmp_path, "a", np.array([0.0, 0.1])), delai=30) is None
    assert time.monotonic() - debut < 5


def test_juge_trop_lent_arrete_au_delai(tmp_path):
    dossier = tmp_path / "juges"
    dossier.mkdir()
    (dossier / f"juge-{os.getpid()}.vivant").touch()
    lent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    prise_par(dossier, "a", lent.pid)
    try:
        assert service.faire_juger(dossier, "a", demande(tmp_path, "a", np.array([0.0, 0.1])), delai=0.5) is None
        assert lent.wait(timeout=5) != 0  # arrêté : il aurait bloqué les remises suivantes
    finally:
        lent.kill()


def test_deux_juges_ne_prennent_jamais_la_meme_demande(tmp_path):
    dossier = tmp_path / "juges"
    dossier.mkdir()
    for i in range(40):
        (dossier / f"r{i}.demande.json").write_text(json.dumps({"i": i}))
    prises = {1: [], 2: []}

    def prendre(pid):
        while (prise := service.prendre(dossier, pid)) is not None:
            prises[pid].append(prise[0])
    fils = [threading.Thread(target=prendre, args=(pid,)) for pid in prises]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert sorted(prises[1] + prises[2]) == sorted(f"r{i}" for i in range(40))


def test_la_classe_relance_un_juge_arrete_et_les_arrete_a_la_fin(tmp_path, monkeypatch):
    lances = []

    def lancer(self):
        lances.append(subprocess.Popen([sys.executable, "-c", "pass"] if not lances else
                                       [sys.executable, "-c", "import time; time.sleep(60)"]))
        return lances[-1]
    monkeypatch.setattr(service.JugesDeLaClasse, "_lancer", lancer)
    monkeypatch.setattr(service, "ATTENTE_ARRET_S", 0.2)
    with service.JugesDeLaClasse(tmp_path / "juges", remises_en_parallele=2, environnement={}) as juges:
        assert juges.nombre == 1
        lances[0].wait()
        juges.entretenir()
        assert juges.relances == 1 and len(lances) == 2
    assert (tmp_path / "juges" / "arret").exists() and lances[1].poll() is not None
    assert service.JugesDeLaClasse(tmp_path, remises_en_parallele=9, environnement={}).nombre == 3
