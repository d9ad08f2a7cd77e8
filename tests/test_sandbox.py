"""Tests du bac à sable de la correction (``autograder/correction/execution/sandbox.py``).

Les tests qui exigent bubblewrap sont sautés, avec la raison, quand il ne marche pas
sur la machine (``apt-get install -y bubblewrap``), et échouent sous CI=true (voir
``exiger_ou_ignorer`` dans ``tests/conftest.py``) ; le repli (limites seules) est
testé partout. Un seul noyau sert à la plupart des vérifications (module ``scope``),
pour que l'ensemble tienne en une trentaine de secondes. Pour la même raison, les noyaux
de ce module n'héritent pas de l'IPYTHONDIR du dépôt (son script de démarrage importe
Keras, donc TensorFlow : 5 s par noyau) ; la copie d'IPYTHONDIR a son propre test.
"""
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from traitlets.config import Config

from autograder.correction.execution import sandbox as sb
from conftest import exiger_ou_ignorer

ETAT = sb.detecter_bac_a_sable()
RAISON_SANS_BWRAP = f"bubblewrap indisponible ici ({ETAT.raison}) : {sb.COMMANDE_INSTALLATION}"
exige_bwrap = pytest.mark.exige(ETAT.mecanisme == sb.BUBBLEWRAP, RAISON_SANS_BWRAP)
TRENTE_GO = 30 * 10**9


class KernelManagerTrace(sb.SandboxKernelManager):
    """Retient le dossier privé de chaque noyau (celui de son fournisseur), pour vérifier qu'il
    est supprimé."""

    dossiers_prives: list = []

    async def start_kernel(self, **kw):
        await super().start_kernel(**kw)
        assert isinstance(self.provisioner, sb.SandboxProvisioner), type(self.provisioner)
        KernelManagerTrace.dossiers_prives.append(self.provisioner.dossier_prive)


def notebook(*sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def executer(nb, dossier, timeout=60, config=None, **options):
    """Exécute ``nb`` dans le bac à sable, comme nbgrader (erreurs permises)."""
    client = NotebookClient(
        nb,
        kernel_manager_class=KernelManagerTrace,
        config=config or Config(),
        timeout=timeout,
        allow_errors=True,
        resources={"metadata": {"path": str(dossier)}},
        **options,
    )
    client.execute()
    return nb


def erreur(cellule):
    """Nom de l'exception levée par la cellule (``None`` si aucune)."""
    noms = [sortie.ename for sortie in cellule.outputs if sortie.output_type == "error"]
    return noms[0] if noms else None


def texte(cellule):
    return "".join(s.get("text", "") for s in cellule.outputs if s.output_type == "stream")


@pytest.fixture(scope="module", autouse=True)
def environnement_leger():
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("IPYTHONDIR", raising=False)
        yield


@pytest.fixture(scope="module")
def cours():
    """Faux dossier de cours nbgrader, *hors de /tmp* (le /tmp du bac à sable est privé :
    un secret sous /tmp serait invisible même sans masquage, le test ne prouverait rien)."""
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK) else str(Path.home())
    racine = Path(tempfile.mkdtemp(prefix="test-bac-a-sable-", dir=base))
    (racine / "solutions").mkdir()
    (racine / "solutions" / "corrige.txt").write_text("réponse")
    (racine / "gradebook.db").write_text("notes")
    (racine / "public.txt").write_text("public")
    (racine / "autograded" / "bob" / "ps1").mkdir(parents=True)
    (racine / "autograded" / "bob" / "ps1" / "ps1.ipynb").write_text("{}")
    travail = racine / "autograded" / "alice" / "ps1"
    travail.mkdir(parents=True)
    yield racine
    shutil.rmtree(racine, ignore_errors=True)


CELLULES = {
    "reseau": "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=5)",
    "corrige": "open({racine!r} + '/solutions/corrige.txt').read()",
    "liste_solutions": "print(sorted(os.listdir({racine!r} + '/solutions')))",
    "gradebook": "open({racine!r} + '/gradebook.db').read()",
    "autre_etudiant": "open({racine!r} + '/autograded/bob/ps1/ps1.ipynb').read()",
    "public": "print(open({racine!r} + '/public.txt').read())",
    "etc": "import numpy\nprint(*os.listdir('/etc'))",
    "ecrire_cours": "open({racine!r} + '/nouveau.txt', 'w')",
    "ecrire_venv": "open(os.path.join(sys.prefix, 'intrus.txt'), 'w')",
    "ecrire_solutions": "open({racine!r} + '/solutions/intrus.txt', 'w')",
    "ecrire_travail": "open('resultat.txt', 'w').write('ok')\n"
                      "open('/tmp/brouillon.txt', 'w').write('ok')\nprint(os.getcwd())",
    "memoire": "import numpy as np\nx = np.ones({trente_go} // 8, dtype=np.float64)",
    "vivant": "print('vivant')",
}


@pytest.fixture(scope="module")
def cellules(cours):
    """Exécute toutes les vérifications dans un seul noyau bubblewrap."""
    exiger_ou_ignorer(ETAT.mecanisme == sb.BUBBLEWRAP, RAISON_SANS_BWRAP)
    config = Config()
    config.SandboxKernelManager.hidden_paths = [
        str(cours / "solutions"), str(cours / "gradebook.db"), str(cours / "autograded"),
    ]
    sources = ["import os, sys"] + [
        code.format(racine=str(cours), trente_go=TRENTE_GO) for code in CELLULES.values()
    ]
    nb = executer(notebook(*sources), cours / "autograded" / "alice" / "ps1", config=config)
    return dict(zip(CELLULES, nb.cells[1:], strict=True))


@exige_bwrap
def test_pas_de_reseau(cellules):
    assert erreur(cellules["reseau"]) == "OSError"
    assert "unreachable" in str(cellules["reseau"].outputs[-1].evalue)


@exige_bwrap
def test_hors_liste_blanche_rien_n_existe(cellules):
    """Liste blanche : le cours (corrigé, carnet, autres copies) n'est pas monté du tout,
    masqué ou non ; même un fichier sans masque (public.txt) est invisible."""
    for nom in ("corrige", "liste_solutions", "gradebook", "autre_etudiant", "public"):
        assert erreur(cellules[nom]) == "FileNotFoundError", nom


@exige_bwrap
def test_environnement_python_lisible(cellules):
    """Témoin : le noyau tourne (Python, NumPy), et /etc ne contient que la liste blanche."""
    assert erreur(cellules["etc"]) is None
    vus = set(texte(cellules["etc"]).split())
    assert "shadow" not in vus and vus <= {os.path.basename(f) for f in sb.FICHIERS_ETC}


@exige_bwrap
def test_ecriture_hors_du_dossier_de_travail_refusee(cellules, cours):
    for nom in ("ecrire_cours", "ecrire_venv", "ecrire_solutions"):
        assert erreur(cellules[nom]) in ("OSError", "PermissionError", "FileNotFoundError"), nom
    assert not (cours / "nouveau.txt").exists()
    assert not (Path(sys.prefix) / "intrus.txt").exists()
    assert not (cours / "solutions" / "intrus.txt").exists()


@exige_bwrap
def test_dossier_de_travail_et_tmp_inscriptibles(cellules, cours):
    travail = cours / "autograded" / "alice" / "ps1"
    assert erreur(cellules["ecrire_travail"]) is None
    assert texte(cellules["ecrire_travail"]).strip() == str(travail)
    assert (travail / "resultat.txt").read_text() == "ok"
    assert not Path("/tmp/brouillon.txt").exists()  # /tmp privé, jeté


@exige_bwrap
def test_allocation_de_30_go_refusee_et_noyau_vivant(cellules):
    assert erreur(cellules["memoire"]) == "MemoryError"
    assert texte(cellules["vivant"]).strip() == "vivant"


@exige_bwrap
def test_dossiers_prives_supprimes(cellules):
    assert KernelManagerTrace.dossiers_prives
    for dossier in KernelManagerTrace.dossiers_prives:
        assert not os.path.exists(dossier)


def test_noyau_qui_meurt_signale_sans_blocage(tmp_path):
    debut = time.monotonic()
    with pytest.raises(DeadKernelError):
        executer(notebook("import os\nos._exit(1)", "print('jamais')"), tmp_path, timeout=30)
    assert time.monotonic() - debut < 20


def test_interruption_sur_timeout_puis_cellule_suivante(tmp_path):
    """Comme nbgrader : timeout -> SIGINT au groupe de processus ; le noyau (et bwrap)
    doivent survivre pour exécuter la cellule suivante."""
    nb = executer(
        notebook("import time\ntime.sleep(60)", "print('suite')"),
        tmp_path,
        timeout=2,
        interrupt_on_timeout=True,
    )
    assert erreur(nb.cells[0]) is not None
    assert texte(nb.cells[1]).strip() == "suite"


@pytest.mark.lent
def test_tensorflow_fonctionne_sous_la_limite_de_memoire(tmp_path):
    """TensorFlow réserve beaucoup d'espace d'adressage : il doit s'importer et
    entraîner un petit modèle avec la limite par défaut (4 Gio)."""
    code = (
        "import numpy as np, tensorflow as tf, keras\n"
        "m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4), keras.layers.Dense(1)])\n"
        "m.compile('adam', 'mse')\n"
        "h = m.fit(np.ones((64, 8)), np.ones(64), epochs=1, verbose=0)\n"
        "print(tf.__version__)"
    )
    nb = executer(notebook(code), tmp_path, timeout=60)
    assert erreur(nb.cells[0]) is None, nb.cells[0].outputs
    assert texte(nb.cells[0]).strip().startswith("2.")


def test_limite_de_temps_processeur(tmp_path):
    config = Config()
    config.SandboxKernelManager.cpu_time_limit = 3  # le démarrage du noyau en prend ~0,5 s
    with pytest.raises(DeadKernelError):
        executer(notebook("while True:\n    pass"), tmp_path, timeout=30, config=config)


@exige_bwrap
def test_copie_privee_de_ipythondir(tmp_path, monkeypatch):
    """IPython ignore un IPYTHONDIR en lecture seule : le noyau doit recevoir une copie
    (scripts de démarrage exécutés), et ses écritures ne touchent pas l'original."""
    ipythondir = tmp_path / "ipython"
    demarrage = ipythondir / "profile_default" / "startup"
    demarrage.mkdir(parents=True)
    (demarrage / "00_test.py").write_text("DEMARRAGE = 'exécuté'\n")
    monkeypatch.setenv("IPYTHONDIR", str(ipythondir))
    travail = tmp_path / "travail"
    travail.mkdir()
    nb = executer(
        notebook("print(DEMARRAGE)", "import os\nprint(os.environ['IPYTHONDIR'] != %r)" % str(ipythondir)),
        travail,
    )
    assert texte(nb.cells[0]).strip() == "exécuté", nb.cells[0].outputs
    assert texte(nb.cells[1]).strip() == "True"
    assert sorted(p.name for p in (ipythondir / "profile_default").iterdir()) == ["startup"]


# --- Repli : sans bubblewrap, la correction continue avec les limites ---------------


def test_detection_sans_bubblewrap():
    for bwrap, raison in [(None, "introuvable"), ("/bin/false", "échoue")]:
        etat = sb.detecter_bac_a_sable(bwrap=bwrap)
        assert etat.mecanisme in (sb.UNSHARE, sb.AUCUN)
        assert not etat.fichiers_proteges
        assert raison in etat.raison
        message = sb.message_bac_a_sable(etat)
        assert message.startswith("Bac à sable : bubblewrap indisponible")
        assert "NON protégés" in message and sb.COMMANDE_INSTALLATION in message
    etat = sb.detecter_bac_a_sable(bwrap=None, unshare=None)
    assert etat.mecanisme == sb.AUCUN and not etat.reseau_coupe
    assert "réseau et fichiers NON protégés" in etat.description()


def test_message_bubblewrap_actif():
    etat = sb.EtatBacASable(sb.BUBBLEWRAP, "/usr/bin/bwrap", True, True)
    message = sb.message_bac_a_sable(etat, limite_memoire=2 * sb.GIO)
    assert message.startswith("Bac à sable : bubblewrap actif")
    assert "2,0 Gio" in message and "réseau coupé" in message


def test_repli_garde_la_limite_de_memoire(tmp_path):
    config = Config()
    config.SandboxKernelManager.sandbox = "aucun"
    nb = executer(
        notebook(
            f"import numpy as np\nx = np.ones({TRENTE_GO} // 8)",
            "open('ok.txt', 'w').write('ok')\nprint('vivant')",
        ),
        tmp_path,
        config=config,
    )
    assert erreur(nb.cells[0]) == "MemoryError"
    assert texte(nb.cells[1]).strip() == "vivant"


@pytest.mark.skipif(
    sb.detecter_bac_a_sable(bwrap=None).mecanisme != sb.UNSHARE,
    reason="unshare --net ne fonctionne pas ici",
)
def test_repli_unshare_coupe_le_reseau(tmp_path):
    config = Config()
    config.SandboxKernelManager.sandbox = "unshare"
    nb = executer(
        notebook("import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=5)"),
        tmp_path,
        config=config,
    )
    assert erreur(nb.cells[0]) == "OSError"


def test_repli_signale_une_seule_fois(monkeypatch, caplog):
    """bwrap absent : un seul avertissement pour tous les noyaux du processus."""
    absent = sb.detecter_bac_a_sable(bwrap=None, unshare=None)
    monkeypatch.setattr(sb, "detecter_bac_a_sable", lambda *a, **k: absent)
    monkeypatch.setattr(sb, "_deja_signale", set())
    journal = logging.getLogger("test_bac_a_sable")
    with caplog.at_level(logging.INFO, logger="test_bac_a_sable"):
        for _ in range(3):
            assert sb.SandboxKernelManager(log=journal)._etat().mecanisme == sb.AUCUN
    messages = [r for r in caplog.records if "Bac à sable" in r.getMessage()]
    assert len(messages) == 1 and messages[0].levelno == logging.WARNING
    assert messages[0].getMessage().startswith("Bac à sable : bubblewrap indisponible")


def test_mecanisme_exige_mais_absent(monkeypatch):
    monkeypatch.setattr(sb, "detecter_bac_a_sable", lambda *a, **k: sb.EtatBacASable(sb.AUCUN))
    with pytest.raises(RuntimeError, match="indisponible"):
        sb.SandboxKernelManager(sandbox="bubblewrap")._etat()


def test_la_specification_du_noyau_designe_le_fournisseur_enregistre():
    """Sans rien installer : importer le module enregistre le fournisseur, et la spécification
    du noyau de SandboxKernelManager le désigne (jupyter_client le charge par ce nom)."""
    from jupyter_client.provisioning import KernelProvisionerFactory

    spec = sb.SandboxKernelManager(kernel_name="python3").kernel_spec
    assert spec.metadata["kernel_provisioner"]["provisioner_name"] == sb.FOURNISSEUR
    assert KernelProvisionerFactory.instance().is_provisioner_available(spec)
    assert KernelProvisionerFactory.provisioners[sb.FOURNISSEUR].load() is sb.SandboxProvisioner


# --- Construction de la commande (sans lancer bwrap) ---------------------------------


def test_ordre_des_montages(tmp_path):
    """Liste blanche : le système et l'environnement Python en lecture seule, le dossier de
    travail et le dossier privé en écriture ; un chemin masqué sous le dossier de travail
    reste masqué ; un masque hors de tout montage est inutile (rien n'y est monté)."""
    travail = tmp_path / "autograded" / "alice" / "ps1"
    tests_caches = travail / "tests_caches"
    tests_caches.mkdir(parents=True)
    fichier = tmp_path / "gradebook.db"
    fichier.write_text("x")
    prive = tmp_path / "prive"
    prive.mkdir()
    etat = sb.EtatBacASable(sb.BUBBLEWRAP, "/usr/bin/bwrap", True, True)
    commande = sb.construire_commande(
        ["python", "-m", "ipykernel_launcher"], etat,
        dossier_travail=str(travail), dossier_prive=str(prive),
        hidden_paths=[str(tests_caches), str(fichier), str(tmp_path / "absent")],
        memory_limit=sb.GIO, cpu_time_limit=10,
    )
    assert commande[:3] == [sys.executable, "-I", "-S"]
    assert commande[5:8] == [f"DATA={sb.GIO}", "CPU=10", "--"]
    assert commande[-4:] == ["--", "python", "-m", "ipykernel_launcher"]
    assert ("/", "/") not in set(zip(commande, commande[1:], strict=False)), "jamais tout / monté"
    position = {tuple(commande[i:i + 3]): i for i in range(len(commande) - 2)}
    reel = os.path.realpath(sys.prefix)
    assert ("--ro-bind", reel, reel) in position
    assert position[("--tmpfs", "/tmp", "--unshare-pid")] < position[("--ro-bind", reel, reel)]
    # masqué sous le travail : le tmpfs vient après le montage du travail, puis passe en lecture seule
    masque = [i for i in range(len(commande) - 1) if commande[i:i + 2] == ["--tmpfs", str(tests_caches)]]
    lecture_seule = [i for i in range(len(commande) - 1) if commande[i:i + 2] == ["--remount-ro", str(tests_caches)]]
    assert len(masque) == 1 and len(lecture_seule) == 1
    assert position[("--bind", str(travail), str(travail))] < masque[0] < lecture_seule[0]
    assert commande[commande.index("/", lecture_seule[0]) - 1] == "--remount-ro"  # puis la racine
    assert str(fichier) not in commande and str(tmp_path / "absent") not in commande
    assert ("--bind", str(prive), str(prive)) in position
    assert "--unshare-net" in commande
    assert "--cap-drop" in commande or os.geteuid() != 0
    sans_limite = sb.construire_commande(
        ["k"], etat, dossier_travail=str(travail), dossier_prive=str(prive),
        allow_network=True, memory_limit=0,
    )
    assert "--unshare-net" not in sans_limite and sans_limite[5] == "--"


# --- Branchement dans nbgrader --------------------------------------------------------


def test_branchement_nbgrader(tmp_path):
    """La configuration du dépôt (la seule voie) exécute les remises dans le bac à sable."""
    from nbgrader.preprocessors import Execute

    from autograder.cours import configuration

    config = configuration(tmp_path, SandboxKernelManager={"hidden_paths": ["/cours/solutions"],
                                                           "memory_limit": 2 * sb.GIO})
    config.Execute.kernel_manager_class = "autograder.correction.execution.sandbox.SandboxKernelManager"
    # Raison d'être de SandboxExecute : nbgrader 0.9.6 ignore cette option.
    assert Execute(config=config).kernel_manager_class is not sb.SandboxKernelManager

    from autograder.correction.execution.preprocesseurs import ExecuterReleves, ExecuteSuivi, Juger

    # Aucun Execute dans la chaîne : le notebook n'est exécuté que par ExecuterReleves (dans le
    # bac à sable, avec ExecuteSuivi), puis jugé par Juger (un autre processus).
    preprocesseurs = config.Autograde.autograde_preprocessors
    assert not [p for p in preprocesseurs if issubclass(p, Execute)]
    assert preprocesseurs.index(ExecuterReleves) + 1 == preprocesseurs.index(Juger)
    assert issubclass(ExecuteSuivi, sb.SandboxExecute)
    execute = ExecuteSuivi(config=config)
    assert execute.kernel_manager_class is sb.SandboxKernelManager
    assert execute.timeout == 120  # c.Execute.timeout de nbgrader_config.py
    km = sb.SandboxKernelManager(config=config)
    assert km.memory_limit == 2 * sb.GIO
    assert km.hidden_paths == ["/cours/solutions"]
    assert km.transport == "ipc"
