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


def en_service(tmp_path):
    """Un dossier de juges où ce processus passe pour un juge en service (qui ne prend rien)."""
    dossier = tmp_path / "juges"
    dossier.mkdir()
    (dossier / f"juge-{os.getpid()}.vivant").touch()
    return dossier


def test_demande_que_personne_ne_prend(tmp_path):
    dossier = en_service(tmp_path)
    debut = time.monotonic()
    assert service.faire_juger(dossier, "a", demande(tmp_path, "a", np.array([0.0, 0.1])), delai=30,
                               attente_prise=0.3) is None
    assert time.monotonic() - debut < 2 and not list(dossier.glob("*.demande.json"))


def test_echec_ecrit_par_la_classe_rend_la_main(tmp_path):
    """La classe a arrêté le juge qui avait pris la demande : elle écrit ``.echec``."""
    dossier = en_service(tmp_path)

    def classe():
        while not (dossier / "a.demande.json").exists():
            time.sleep(0.01)
        (dossier / "a.demande.json").rename(dossier / "a.4242.en_cours")
        time.sleep(0.2)
        (dossier / "a.echec").write_text("juge de la classe arrêté")
    threading.Thread(target=classe, daemon=True).start()
    debut = time.monotonic()
    assert service.faire_juger(dossier, "a", demande(tmp_path, "a", np.array([0.0, 0.1])), delai=30) is None
    assert time.monotonic() - debut < 5


def test_demande_d_une_remise_disparue_pas_jugee(tmp_path, juge_de_classe):
    disparue = subprocess.Popen([sys.executable, "-c", "pass"])
    disparue.wait()
    orpheline = {**demande(tmp_path, "a", np.array([0.0, 0.1])), "demandeur": disparue.pid}
    (juge_de_classe / "a.demande.json").write_text(json.dumps(orpheline))
    juste = demande(tmp_path, "b", np.array([0.0, 0.1]))
    assert service.faire_juger(juge_de_classe, "b", juste, delai=10)["q1"]["erreur"] is None
    assert not (tmp_path / "a" / "jugement.json").exists() and not list(juge_de_classe.glob("a.*"))


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


@pytest.fixture
def classe_factice(tmp_path, monkeypatch):
    """JugesDeLaClasse dont les « juges » sont des processus Python donnés par le test."""
    a_lancer, lances = [], []

    def lancer(self):
        lances.append(subprocess.Popen([sys.executable, "-c", a_lancer.pop(0)]))
        (self.dossier / f"juge-{lances[-1].pid}.vivant").touch()
        return lances[-1]
    monkeypatch.setattr(service.JugesDeLaClasse, "_lancer", lancer)
    monkeypatch.setattr(service, "ATTENTE_ARRET_S", 0.2)
    return a_lancer, lances


def test_la_classe_relance_un_juge_arrete_et_les_arrete_a_la_fin(tmp_path, classe_factice):
    a_lancer, lances = classe_factice
    a_lancer += ["pass", "import time; time.sleep(60)"]
    (tmp_path / "juges").mkdir()
    (tmp_path / "juges" / "vieille.demande.json").write_text("{}")  # d'une correction précédente
    (tmp_path / "juges" / "juge-1.vivant").touch()
    with service.JugesDeLaClasse(tmp_path / "juges", remises_en_parallele=2, environnement={}) as juges:
        assert juges.nombre == 1
        assert not (tmp_path / "juges" / "vieille.demande.json").exists()
        assert not (tmp_path / "juges" / "juge-1.vivant").exists()
        lances[0].wait()
        juges.entretenir()
        assert juges.relances == 1 and len(lances) == 2
        assert service.juges_vivants(juges.dossier) == [lances[1].pid]
    assert (tmp_path / "juges" / "arret").exists() and lances[1].poll() is not None
    assert not service.juges_vivants(tmp_path / "juges")
    assert service.JugesDeLaClasse(tmp_path, remises_en_parallele=9, environnement={}).nombre == 3


def test_la_classe_arrete_un_juge_trop_lent(tmp_path, classe_factice):
    a_lancer, lances = classe_factice
    a_lancer += ["import time; time.sleep(60)"] * 2
    with service.JugesDeLaClasse(tmp_path / "juges", remises_en_parallele=1, environnement={}) as juges:
        prise = juges.dossier / f"r1.{lances[0].pid}.en_cours"
        prise.write_text("{}")
        juges.entretenir()
        assert lances[0].poll() is None  # il vient de la prendre
        os.utime(prise, (time.time() - service.DUREE_MAX_JUGEMENT_S - 1,) * 2)
        juges.entretenir()
        assert lances[0].poll() is not None and not prise.exists()
        assert "arrêté après" in (juges.dossier / "r1.echec").read_text(encoding="utf-8")
        assert juges.relances == 1 and service.juges_vivants(juges.dossier) == [lances[1].pid]


def test_plus_de_juge_de_la_classe_apres_trop_de_relances(tmp_path, classe_factice):
    a_lancer, lances = classe_factice
    a_lancer += ["import sys; sys.exit(1)"] * (service.MAX_RELANCES + 1)
    with service.JugesDeLaClasse(tmp_path / "juges", remises_en_parallele=1, environnement={}) as juges:
        while juges.processus[0] is not None:
            juges.processus[0].wait()
            juges.entretenir()
        assert juges.relances == service.MAX_RELANCES and not service.juges_vivants(juges.dossier)
        # les remises passent aussitôt au juge de chacune
        assert service.faire_juger(juges.dossier, "a", demande(tmp_path, "a", np.array([0.0, 0.1])),
                                   delai=30) is None
