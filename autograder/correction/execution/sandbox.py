"""Bac à sable pour les noyaux Jupyter lancés par la correction automatique.

Chaque notebook d'étudiant est exécuté par nbgrader (préprocesseur ``Execute``,
qui s'appuie sur nbclient) dans un noyau IPython. Ce module fournit
:class:`SandboxKernelManager`, un gestionnaire de noyau (sous-classe
d'``AsyncKernelManager`` de jupyter_client, qui porte les réglages), et
:class:`SandboxProvisioner`, le *fournisseur de noyau* (*kernel provisioner*, l'API
publique de jupyter_client pour lancer un noyau autrement) qui lance ce noyau :

* avec une **limite de mémoire** (``RLIMIT_DATA``, 4 Gio par défaut) et, en
  option, une limite de temps processeur (``RLIMIT_CPU``) ; la limite de temps
  *réel* reste celle de nbclient/nbgrader (``c.Execute.timeout``, par cellule) ;
* **sans réseau** (espace de noms réseau vide : seule l'interface ``lo`` existe) ;
* dans un système de fichiers construit à partir d'une **liste blanche**, comme une
  application Flatpak : le système (``/usr`` et quelques fichiers de ``/etc``) et
  l'environnement Python en lecture seule, son dossier de travail (le ``cwd`` que
  nbgrader donne au noyau) et un ``/tmp`` privé et jetable en écriture ; rien d'autre
  n'existe pour lui (ni le dépôt, ni le dossier personnel du correcteur, ni les autres
  copies) ; les chemins de ``hidden_paths`` situés *dans* ce qui est visible sont en
  plus masqués (un dossier apparaît vide, un fichier devient illisible).

Mécanismes, du plus au moins complet (voir :func:`detecter_bac_a_sable`) :

``bubblewrap``
    ``bwrap`` (paquet Debian/Ubuntu ``bubblewrap`` :
    ``apt-get install -y bubblewrap``) crée des espaces de noms mount, réseau,
    PID, IPC et UTS. Lancé en root (cas de l'intégration continue), ``bwrap``
    n'utilise pas d'espace de noms utilisateur : on retire alors explicitement
    toutes les capacités (``--cap-drop ALL``), faute de quoi le code étudiant,
    root avec ``CAP_SYS_ADMIN``, pourrait démonter les masques ou remonter ``/``
    en écriture. Sans ``CAP_DAC_OVERRIDE``, root est soumis aux droits des
    fichiers comme tout le monde.
``unshare``
    Si ``bwrap`` manque ou échoue (conteneur Docker sans privilèges...), on se
    replie sur ``unshare --net`` (util-linux) : le réseau est coupé, mais les
    fichiers ne sont **pas** protégés.
``aucun``
    Sinon, seules les limites de temps et de mémoire subsistent.

Dans les deux cas dégradés la correction continue ; :func:`message_bac_a_sable`
donne la phrase (en français) que l'appelant affiche une fois au début, et le
gestionnaire de noyau l'écrit aussi une fois dans le journal.

Points techniques vérifiés (Debian 12, bubblewrap 0.8.0, jupyter_client 8.10,
nbclient 0.11, nbgrader 0.9.6, ipykernel 6.29) :

* **Transport ZMQ.** Dans un espace de noms réseau séparé, le ``127.0.0.1`` du
  noyau n'est plus celui du correcteur : le transport TCP par défaut ne marche
  plus. On force ``transport='ipc'`` : les sockets ZMQ deviennent des fichiers
  (sockets Unix) créés dans un dossier temporaire privé à chaque noyau, monté en
  lecture-écriture au même chemin dans le bac à sable. Une socket Unix nommée par
  un fichier se joint à travers les espaces de noms réseau (contrairement aux
  sockets Unix « abstraites », qui, elles, sont propres à chaque espace).
* **Interruption.** Sur dépassement de ``timeout``, nbgrader interrompt le noyau :
  jupyter_client envoie ``SIGINT`` à tout le *groupe de processus*, donc aussi à
  ``bwrap``, qui en mourrait (et le noyau avec lui). Le petit lanceur
  :data:`_LANCEUR` met ``SIGINT`` à « ignoré » avant d'exécuter ``bwrap`` ;
  ipykernel réinstalle de lui-même son gestionnaire de ``SIGINT`` pendant
  l'exécution d'une cellule : l'interruption marche et le noyau survit.
  Pour la même raison on n'utilise pas ``bwrap --new-session`` (le noyau
  sortirait du groupe de processus et ne recevrait plus l'interruption).
* **Surveillance du parent.** Dans l'espace de noms PID, le parent du noyau est
  le PID 1 de ``bwrap`` : le « parent poller » d'ipykernel croirait son parent
  mort et arrêterait le noyau aussitôt. On passe donc ``JPY_PARENT_PID=1``, valeur
  qu'ipykernel traite comme « pas de surveillance » ; c'est
  ``bwrap --die-with-parent`` qui tue le noyau si le correcteur disparaît.
* **Profil IPython.** IPython n'utilise ``$IPYTHONDIR`` que s'il est inscriptible
  (sinon : dossier temporaire vide, donc ni ``ipython_config.py`` ni scripts de
  ``startup/``). Le noyau reçoit donc une copie privée de ``$IPYTHONDIR``
  (option ``copy_ipython_dir``). ``HOME`` devient un dossier vide ``/tmp/home`` :
  le ``~`` réel du correcteur (``~/.keras``, ``~/.ipython``...) n'est pas vu.
* **Mémoire : pourquoi RLIMIT_DATA et pas RLIMIT_AS.** TensorFlow réserve
  beaucoup d'espace d'adressage sans l'utiliser. Mesure (2 cœurs, TF 2.19,
  ``import tensorflow`` + petit Conv2D Keras entraîné 2 époques) : VmPeak
  2,3 Go pour 0,65 Go de mémoire résidente. ``RLIMIT_AS`` = 2,4 Go passe,
  2,0 Go fait échouer l'entraînement (oneDNN « could not create a primitive »).
  Or cet espace d'adressage croît avec le nombre de cœurs (piles des threads,
  arènes de malloc de 64 Mio par thread) : en simulant 64 cœurs (64 threads
  intra/inter-op, ``MALLOC_ARENA_MAX=512``), VmPeak monte à 11,7 Go et
  TensorFlow *abandonne* (``pthread_create`` refusé, le noyau meurt) sous
  ``RLIMIT_AS`` = 4 Gio, alors qu'il passe sous ``RLIMIT_DATA`` = 4 Gio
  (VmData 1,6 Go). ``RLIMIT_DATA`` (noyau Linux
  ≥ 4.7) ne compte que les pages privées *inscriptibles* (tas, ``mmap``
  anonymes, donc tous les tableaux numpy), pas les réservations ``PROT_NONE`` :
  même mesure, VmData = 0,52 Go ; l'entraînement passe à 0,7 Go et n'échoue
  qu'à 0,5 Go. La valeur par défaut de 4 Gio laisse donc une large marge à
  TensorFlow tout en faisant échouer avec ``MemoryError`` une allocation numpy
  de 30 Go.
  Les groupes de contrôle (cgroups) limiteraient mieux la mémoire *réelle*,
  mais exigent une hiérarchie cgroup déléguée et inscriptible, rarement
  disponible en intégration continue : on ne s'en sert pas.
* **Coût.** Démarrage d'un noyau (jusqu'à ``kernel_info``) : 0,60 s en médiane
  dans le bac à sable contre 0,59 s sans (8 essais alternés) ; détection : 8 ms.

Limites connues (ce que le bac à sable ne protège pas) :

* ``RLIMIT_DATA`` vise les erreurs, pas la malveillance : la mémoire partagée
  (``mmap`` partagé, fichiers de ``/dev/shm``) lui échappe ; le ``/tmp`` privé
  (en mémoire) est borné par ``tmp_size``.
* Pas de limite du nombre de processus (``RLIMIT_NPROC`` compte tous les
  processus de l'utilisateur, root compris, sur toute la machine) : une bombe
  ``fork`` reste possible ; le timeout de nbgrader puis l'arrêt du noyau
  (``SIGKILL`` au groupe de processus, ``--die-with-parent``) y mettent fin.
* Ce que la liste blanche montre reste *lisible* (en lecture seule) : le système et
  l'environnement Python entiers ; le ``/tmp`` réel, lui, est remplacé par un ``/tmp`` vide.
* Si ``nbgrader_config.py`` lève une exception, nbgrader l'écrit dans le journal
  et **continue sans cette configuration**, donc sans bac à sable : surveiller la
  ligne « Bac à sable : ... » au début de la correction.

Conventions de nommage : les classes et les options traitlets
(``c.SandboxKernelManager.memory_limit``...) suivent l'anglais de Jupyter ; les
fonctions propres au projet sont en français.

Branchement : ``autograder/nbgrader_config.py`` met ``ExecuteSuivi`` (un
:class:`SandboxExecute`) à la place d'``Execute`` dans
``c.Autograde.autograde_preprocessors``. :class:`SandboxKernelManager` désigne son
fournisseur dans la spécification du noyau (``metadata.kernel_provisioner``, l'usage
documenté de jupyter_client) ; ce module l'enregistre dans le registre de jupyter_client
(``KernelProvisionerFactory.provisioners``, d'ordinaire rempli par les points d'entrée
des paquets installés : le dépôt n'en est pas un). Le fournisseur fait
le travail par les méthodes publiques ``pre_launch`` (dossier privé, transport ``ipc``,
commande enveloppée) et ``cleanup`` (dossier privé supprimé), sans surcharger de méthode
privée de jupyter_client.

Le dossier de travail du noyau (``cours/travail/<id>/execution``, son ``cwd``) reste
visible et inscriptible même s'il est sous un chemin masqué : les montages sont
empilés du moins profond au plus profond.

Attention : ``c.Execute.kernel_manager_class = ...`` est **sans effet** avec
nbgrader 0.9.6, car ``Execute.__init__`` passe ``kernel_manager_class=
AsyncKernelManager`` en argument nommé, ce qui l'emporte sur la configuration
traitlets. D'où le préprocesseur :class:`SandboxExecute`, qui remplace
``Execute`` dans ``c.Autograde.autograde_preprocessors``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import typing as t
from importlib.metadata import EntryPoint

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner
from traitlets import Bool, CaselessStrEnum, Integer, List, Unicode, default

__all__ = [
    "BUBBLEWRAP",
    "UNSHARE",
    "AUCUN",
    "GIO",
    "COMMANDE_INSTALLATION",
    "EtatBacASable",
    "detecter_bac_a_sable",
    "message_bac_a_sable",
    "construire_commande",
    "SandboxKernelManager",
    "SandboxProvisioner",
    "SandboxExecute",
]

#: Le nom du fournisseur de noyau du bac à sable (:class:`SandboxProvisioner`) dans le registre
#: de jupyter_client.
FOURNISSEUR = "tp-bac-a-sable"

BUBBLEWRAP = "bubblewrap"
UNSHARE = "unshare"
AUCUN = "aucun"

GIO = 1024**3
LIMITE_MEMOIRE_DEFAUT = 4 * GIO

COMMANDE_INSTALLATION = "apt-get install -y bubblewrap"
RAISON_CONFIGURATION = "choix de la configuration"


#: Lanceur exécuté par ``python -I -S -c`` juste avant le bac à sable.
#: Arguments : ``NOM=VALEUR ... -- commande...`` où NOM vaut ``DATA`` ou
#: ``CPU``. Il fixe les limites (héritées par ``bwrap`` puis par le noyau : les
#: rlimits traversent ``exec`` et ``fork``), ignore ``SIGINT`` (voir la docstring
#: du module) puis se remplace par la commande avec ``execvp``.
_LANCEUR = """\
import os, resource, signal, sys
args = sys.argv[1:]
fin = args.index('--')
for spec in args[:fin]:
    nom, valeur = spec.split('=')
    valeur = int(valeur)
    # CPU : SIGXCPU a la limite douce, SIGKILL 5 s plus tard.
    dure = valeur + 5 if nom == 'CPU' else valeur
    resource.setrlimit(getattr(resource, 'RLIMIT_' + nom), (valeur, dure))
signal.signal(signal.SIGINT, signal.SIG_IGN)
os.execvp(args[fin + 1], args[fin + 1:])
"""


# ---------------------------------------------------------------------------
# Détection
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class EtatBacASable:
    """Ce que la machine permet : le résultat de :func:`detecter_bac_a_sable`.

    Attributs :
        mecanisme: ``"bubblewrap"``, ``"unshare"`` ou ``"aucun"``.
        executable: chemin de ``bwrap`` ou ``unshare`` (``None`` pour ``aucun``).
        reseau_coupe: le noyau n'a pas de réseau.
        fichiers_proteges: liste blanche (système et Python en lecture seule, dossier de travail).
        limite_memoire: les rlimits sont applicables (module ``resource``).
        raison: pourquoi bubblewrap n'est pas utilisé (chaîne vide sinon).
        options_bwrap: options supplémentaires que ce ``bwrap`` accepte.
    """

    mecanisme: str
    executable: str | None = None
    reseau_coupe: bool = False
    fichiers_proteges: bool = False
    limite_memoire: bool = True
    raison: str = ""
    options_bwrap: tuple[str, ...] = ()

    @property
    def complet(self) -> bool:
        """Vrai quand toutes les protections (réseau, fichiers) sont actives."""
        return self.mecanisme == BUBBLEWRAP

    def description(self, limite_memoire: int = LIMITE_MEMOIRE_DEFAUT) -> str:
        """Description en français de ce qui est protégé et de ce qui ne l'est pas."""
        return message_bac_a_sable(self, limite_memoire=limite_memoire)


def _essayer(commande: list[str]) -> tuple[bool, str]:
    """Lance ``commande`` (qui doit exécuter ``true``) ; renvoie (succès, erreur)."""
    try:
        fini = subprocess.run(
            commande,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as erreur:
        return False, str(erreur)
    if fini.returncode == 0:
        return True, ""
    message = fini.stderr.decode(errors="replace").strip().splitlines()
    return False, (message[-1] if message else f"code de sortie {fini.returncode}")


#: Le système vu par le noyau : ces dossiers (ou liens) et fichiers de configuration, en lecture
#: seule ; rien d'autre du système de fichiers de la machine (ni le dépôt, ni le dossier
#: personnel du correcteur, ni les autres copies). S'y ajoutent l'environnement Python (voir
#: ``_montages``), le dossier de travail, le dossier privé du noyau et un /tmp vide.
SYSTEME = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
FICHIERS_ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/alternatives", "/etc/fonts")


def _liste_blanche_systeme() -> list[str]:
    """Options ``bwrap`` du système visible (liste blanche), lecture seule."""
    options = []
    for chemin in SYSTEME:
        if os.path.islink(chemin):
            options += ["--symlink", os.readlink(chemin), chemin]
        elif os.path.isdir(chemin):
            options += ["--ro-bind", chemin, chemin]
    for chemin in FICHIERS_ETC:
        if os.path.lexists(chemin):
            options += ["--ro-bind", chemin, chemin]
    return options


def prefixes_python() -> list[tuple[str, str]]:
    """(source, destination) des montages de l'environnement Python : le venv et l'interpréteur
    de base (chemins réels, et le chemin d'origine s'il passe par un lien)."""
    montages = set()
    for prefixe in (sys.prefix, sys.base_prefix):
        reel = os.path.realpath(prefixe)
        montages.add((reel, reel))
        if os.path.abspath(prefixe) != reel:
            montages.add((reel, os.path.abspath(prefixe)))
    return sorted(montages, key=lambda m: m[1])


def _options_bwrap_communes(est_root: bool) -> list[str]:
    """Options de ``bwrap`` utilisées pour tout noyau (et pour le test de détection)."""
    options = [
        *_liste_blanche_systeme(),
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/tmp",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
    ]
    if est_root:
        options += ["--cap-drop", "ALL"]
    return options


@functools.lru_cache(maxsize=None)
def _detecter(bwrap: str | None, unshare: str | None, est_root: bool) -> EtatBacASable:
    try:
        import resource  # noqa: F401  (absent hors Unix)

        limite = True
    except ImportError:
        limite = False

    raison = ""
    if bwrap is None:
        raison = "commande bwrap introuvable"
    else:
        commande = [bwrap, *_options_bwrap_communes(est_root), "--unshare-net", "--", "true"]
        ok, erreur = _essayer(commande)
        if ok:
            aide = subprocess.run(
                [bwrap, "--help"], capture_output=True, text=True, check=False
            ).stdout
            # --size (limite du /tmp privé) n'existe que depuis bubblewrap 0.8.
            options = ("--size",) if "--size" in aide else ()
            return EtatBacASable(
                BUBBLEWRAP, bwrap, reseau_coupe=True, fichiers_proteges=True,
                limite_memoire=limite, options_bwrap=options,
            )
        raison = f"bwrap échoue : {erreur}"

    if unshare is not None:
        commande = [unshare, "--net"]
        if not est_root:
            commande.append("--map-root-user")
        ok, _ = _essayer([*commande, "--", "true"])
        if ok:
            return EtatBacASable(
                UNSHARE, unshare, reseau_coupe=True, limite_memoire=limite, raison=raison
            )
    return EtatBacASable(AUCUN, None, limite_memoire=limite, raison=raison)


def detecter_bac_a_sable(
    bwrap: str | None = "auto", unshare: str | None = "auto"
) -> EtatBacASable:
    """Détecte le meilleur mécanisme de bac à sable *qui fonctionne* ici.

    Chaque mécanisme est réellement essayé (``bwrap ... -- true``), car ``bwrap``
    peut être installé mais refusé par le conteneur. Le résultat est mis en
    cache pour la durée du processus.

    Args:
        bwrap: chemin de ``bwrap`` ; ``"auto"`` le cherche dans le ``PATH`` ;
            ``None`` fait comme s'il manquait (utile pour les tests).
        unshare: idem pour ``unshare``.

    Returns:
        Un :class:`EtatBacASable` ; sa méthode ``description()`` dit en français
        ce qui est protégé et ce qui ne l'est pas.
    """
    if bwrap == "auto":
        bwrap = shutil.which("bwrap")
    if unshare == "auto":
        unshare = shutil.which("unshare")
    est_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return _detecter(bwrap, unshare, est_root)


def _taille(octets: int) -> str:
    return f"{octets / GIO:.1f}".replace(".", ",") + " Gio"


def message_bac_a_sable(
    etat: EtatBacASable | None = None,
    limite_memoire: int = LIMITE_MEMOIRE_DEFAUT,
    allow_network: bool = False,
) -> str:
    """Phrase à afficher une fois au début de la correction.

    Args:
        etat: résultat de :func:`detecter_bac_a_sable` (détecté si ``None``).
        limite_memoire: limite de mémoire par noyau, en octets (0 : aucune).
        allow_network: le réseau est volontairement laissé au noyau.
    """
    if etat is None:
        etat = detecter_bac_a_sable()
    if not etat.limite_memoire:
        memoire = "mémoire NON limitée (module resource absent)"
    elif limite_memoire > 0:
        memoire = f"mémoire limitée à {_taille(limite_memoire)} par noyau"
    else:
        memoire = "mémoire non limitée (memory_limit = 0)"
    reseau = "réseau laissé ouvert (allow_network)" if allow_network else "réseau coupé"
    if etat.mecanisme == BUBBLEWRAP:
        return (
            f"Bac à sable : bubblewrap actif — {reseau}, le noyau ne voit qu'une liste blanche (système "
            "et environnement Python en lecture seule, son dossier de travail, un /tmp privé), "
            f"{memoire} ; durée limitée par le timeout de nbgrader."
        )
    if etat.raison == RAISON_CONFIGURATION:
        debut = f"Bac à sable : bubblewrap écarté par la configuration (sandbox = '{etat.mecanisme}')"
        conseil = ""
    else:
        debut = f"Bac à sable : bubblewrap indisponible ({etat.raison})"
        conseil = f" Pour l'activer : {COMMANDE_INSTALLATION} (en root)."
    if etat.mecanisme == UNSHARE:
        return (
            f"{debut} ; repli sur unshare : {reseau}, {memoire}, durée limitée par "
            "le timeout de nbgrader, mais fichiers NON protégés (les notebooks peuvent "
            "lire les corrigés et écrire partout)." + conseil
        )
    return (
        f"{debut} ; la correction continue avec les seules limites restantes (durée : "
        f"timeout de nbgrader ; {memoire}) : réseau et fichiers NON protégés."
        + conseil
    )


# ---------------------------------------------------------------------------
# Construction de la commande
# ---------------------------------------------------------------------------


def _profondeur(chemin: str) -> int:
    return len([morceau for morceau in chemin.split(os.sep) if morceau])


def _lanceur(etat: EtatBacASable, memory_limit: int, cpu_time_limit: int) -> list[str]:
    """``python -I -S -c _LANCEUR LIMITES --`` : fixe les rlimits puis exécute la suite."""
    limites = []
    if etat.limite_memoire and memory_limit > 0:
        limites.append(f"DATA={int(memory_limit)}")
    if etat.limite_memoire and cpu_time_limit > 0:
        limites.append(f"CPU={int(cpu_time_limit)}")
    return [sys.executable, "-I", "-S", "-c", _LANCEUR, *limites, "--"]


def construire_commande(
    commande_noyau: list[str],
    etat: EtatBacASable,
    *,
    dossier_travail: str,
    dossier_prive: str,
    hidden_paths: t.Iterable[str] = (),
    allow_network: bool = False,
    memory_limit: int = LIMITE_MEMOIRE_DEFAUT,
    cpu_time_limit: int = 0,
    tmp_size: int = 0,
    environnement: t.Mapping[str, str] | None = None,
) -> list[str]:
    """Enveloppe la commande du noyau dans le lanceur et le bac à sable.

    Plus de 60 lignes à cause de sa signature et de cette docstring (dix options documentées une
    à une) ; le corps, lui, tient en une trentaine de lignes.

    Args:
        commande_noyau: ``argv`` du noyau (déjà formaté par jupyter_client).
        etat: mécanisme à employer (voir :func:`detecter_bac_a_sable`).
        dossier_travail: dossier du notebook, seul dossier inscriptible (avec /tmp).
        dossier_prive: dossier propre à ce noyau (fichier de connexion et sockets
            ipc) ; monté en lecture-écriture au même chemin.
        hidden_paths: chemins rendus illisibles (inexistants : ignorés).
        allow_network: garder le réseau de l'hôte.
        memory_limit: octets de mémoire privée (RLIMIT_DATA ; 0 : pas de limite).
        cpu_time_limit: secondes de temps processeur (0 : pas de limite).
        tmp_size: taille maximale du /tmp privé en octets (0 : défaut du noyau
            Linux, la moitié de la RAM) ; ignorée si ``bwrap`` est trop ancien.
        environnement: variables d'environnement à imposer dans le bac à sable
            (``bwrap --setenv``), en plus de ``HOME``, ``TMPDIR`` et ``JPY_PARENT_PID``.

    Returns:
        La commande complète : ``python -I -S -c _LANCEUR LIMITES -- [bwrap ... --] noyau``.
    """
    lanceur = _lanceur(etat, memory_limit, cpu_time_limit)

    if etat.mecanisme == UNSHARE and not allow_network:
        assert etat.executable is not None
        options = [etat.executable, "--net"]
        if os.geteuid() != 0:
            options.append("--map-root-user")
        return [*lanceur, *options, "--", *commande_noyau]
    if etat.mecanisme != BUBBLEWRAP:
        return [*lanceur, *commande_noyau]

    assert etat.executable is not None
    dossier_travail = os.path.realpath(dossier_travail)
    dossier_prive = os.path.realpath(dossier_prive)
    options = _options_bwrap_communes(os.geteuid() == 0)
    if tmp_size > 0 and "--size" in etat.options_bwrap:
        position = options.index("--tmpfs")
        options[position:position] = ["--size", str(int(tmp_size))]
    if not allow_network:
        options.append("--unshare-net")
    options += _montages(hidden_paths, dossier_travail, dossier_prive)
    options += [
        "--dir", "/tmp/home",
        "--setenv", "HOME", "/tmp/home",
        "--setenv", "TMPDIR", "/tmp",
        # JPY_PARENT_PID=1 : pas de « parent poller » (voir la docstring du module)
        # ni de message « Ctrl-C will not work » du noyau sur la console.
        "--setenv", "JPY_PARENT_PID", "1",
        "--chdir", dossier_travail,
    ]
    for nom, valeur in (environnement or {}).items():
        options += ["--setenv", nom, valeur]
    return [*lanceur, etat.executable, *options, "--", *commande_noyau]


def _sous(chemin: str, dossiers: t.Iterable[str]) -> bool:
    return any(chemin == d or chemin.startswith(d.rstrip(os.sep) + os.sep) for d in dossiers)


def _montages(hidden_paths: t.Iterable[str], dossier_travail: str, dossier_prive: str) -> list[str]:
    """Options ``bwrap`` des montages : environnement Python, dossiers inscriptibles, masques."""
    # Montages à empiler : on les trie par profondeur (à profondeur égale, les montages avant
    # les masques), pour qu'un chemin masqué situé *sous* un dossier monté reste masqué.
    # L'environnement Python passe après le /tmp privé (un venv sous /tmp, en intégration
    # continue, doit rester visible). Un chemin masqué hors de tout montage est déjà invisible.
    montages: list[tuple[int, int, list[str]]] = []
    visibles = [*SYSTEME, dossier_travail, dossier_prive]
    for source, destination in prefixes_python():
        if not _sous(destination, SYSTEME):
            montages.append((_profondeur(destination), 0, ["--ro-bind", source, destination]))
            visibles.append(destination)
    for chemin in [dossier_travail, dossier_prive]:
        montages.append((_profondeur(chemin), 0, ["--bind", chemin, chemin]))
    dossiers_masques = []
    fichier_vide = os.path.join(dossier_prive, "masque")
    for chemin in hidden_paths:
        chemin = os.path.realpath(chemin)
        if not _sous(chemin, visibles):
            continue
        if os.path.isdir(chemin):
            montages.append((_profondeur(chemin), 1, ["--tmpfs", chemin]))
            dossiers_masques.append(chemin)
        elif os.path.lexists(chemin):
            if not os.path.exists(fichier_vide):
                with open(fichier_vide, "w"):
                    pass
                os.chmod(fichier_vide, 0)
            montages.append((_profondeur(chemin), 1, ["--ro-bind", fichier_vide, chemin]))
    options = []
    for _, _, morceau in sorted(montages, key=lambda m: m[:2]):
        options += morceau
    # Les tmpfs de masquage passent en lecture seule une fois les sous-montages faits, et la
    # racine aussi (un tmpfs de bwrap : y écrire ne toucherait pas le disque, mais la mémoire).
    for chemin in dossiers_masques:
        options += ["--remount-ro", chemin]
    return [*options, "--remount-ro", "/"]


# ---------------------------------------------------------------------------
# Gestionnaire de noyau
# ---------------------------------------------------------------------------

#: (mécanisme, raison) déjà annoncés dans le journal : une seule fois par processus.
_deja_signale: set[tuple[str, str]] = set()


class SandboxKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` qui lance le noyau dans le bac à sable.

    Se configure avec traitlets, par exemple dans ``nbgrader_config.py`` ::

        c.SandboxKernelManager.memory_limit = 4 * 1024**3
        c.SandboxKernelManager.hidden_paths = ["/cours/solutions"]

    Utilisable directement avec nbclient ::

        NotebookClient(nb, kernel_manager_class=SandboxKernelManager,
                       resources={"metadata": {"path": dossier}})
    """

    sandbox = CaselessStrEnum(
        ["auto", BUBBLEWRAP, UNSHARE, AUCUN],
        default_value="auto",
        help=(
            "Mécanisme : 'auto' prend le meilleur disponible (et continue avec les "
            "seules limites de temps et de mémoire s'il n'y en a pas) ; "
            "'bubblewrap' ou 'unshare' l'exigent (erreur s'il ne marche pas) ; "
            "'aucun' désactive l'isolation (limites de mémoire et de temps seules)."
        ),
    ).tag(config=True)

    memory_limit = Integer(
        LIMITE_MEMOIRE_DEFAUT,
        min=0,
        help="Limite de mémoire du noyau, en octets (0 : aucune). Défaut : 4 Gio.",
    ).tag(config=True)

    cpu_time_limit = Integer(
        0,
        min=0,
        help=(
            "Limite de temps processeur (RLIMIT_CPU) en secondes pour tout le noyau "
            "(0 : aucune). Compte tous les threads : TensorFlow sur 8 cœurs "
            "l'épuise 8 fois plus vite que le temps réel. Le temps réel par cellule "
            "se règle avec c.Execute.timeout."
        ),
    ).tag(config=True)

    hidden_paths = List(
        Unicode(),
        help=(
            "Chemins illisibles dans le bac à sable (relatifs : par rapport au "
            "dossier courant du correcteur). Ex. : solutions/, tests cachés, "
            "dossiers des autres étudiants, gradebook.db."
        ),
    ).tag(config=True)

    allow_network = Bool(
        False, help="Laisser le réseau au noyau (déconseillé pour la correction)."
    ).tag(config=True)

    tmp_size = Integer(
        LIMITE_MEMOIRE_DEFAUT,
        min=0,
        help=(
            "Taille maximale du /tmp privé (tmpfs, donc en mémoire), en octets ; "
            "0 : défaut de Linux (la moitié de la RAM). Nécessite bubblewrap >= 0.8."
        ),
    ).tag(config=True)

    copy_ipython_dir = Bool(
        True,
        help=(
            "Avec bubblewrap, donner au noyau une copie privée et inscriptible du "
            "dossier IPYTHONDIR (profil, scripts de démarrage) : IPython ignore un "
            "IPYTHONDIR en lecture seule et prendrait un profil vide."
        ),
    ).tag(config=True)

    @default("transport")
    def _transport_default(self) -> str:
        # ipc : sockets Unix en fichiers, joignables depuis un autre espace de noms
        # réseau (voir la docstring du module).
        return "ipc"

    etat_bac_a_sable: EtatBacASable | None = None

    @property
    def kernel_spec(self) -> KernelSpec | None:
        """La spécification du noyau, qui désigne le fournisseur du bac à sable
        (``metadata.kernel_provisioner``, l'usage documenté de jupyter_client)."""
        spec = super().kernel_spec
        if spec is not None and (spec.metadata.get("kernel_provisioner") or {}).get("provisioner_name") != FOURNISSEUR:
            # une copie : jupyter_client complète ce dictionnaire (« config »)
            spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": FOURNISSEUR}}
        return spec

    def _etat(self) -> EtatBacASable:
        """Mécanisme à employer, selon la détection et l'option ``sandbox``."""
        choix = self.sandbox.lower()
        if choix == AUCUN:
            etat = dataclasses.replace(
                detecter_bac_a_sable(None, None), raison=RAISON_CONFIGURATION
            )
        elif choix == UNSHARE:
            etat = dataclasses.replace(
                detecter_bac_a_sable(bwrap=None), raison=RAISON_CONFIGURATION
            )
        else:
            etat = detecter_bac_a_sable()
        if choix not in ("auto", AUCUN) and etat.mecanisme != choix:
            raise RuntimeError(
                f"Bac à sable « {choix} » demandé mais indisponible : "
                + message_bac_a_sable(etat, self.memory_limit, self.allow_network)
            )
        if (etat.mecanisme, etat.raison) not in _deja_signale:
            _deja_signale.add((etat.mecanisme, etat.raison))
            niveau = logging.INFO if etat.complet else logging.WARNING
            message = message_bac_a_sable(etat, self.memory_limit, self.allow_network)
            self.log.log(niveau, "%s", message)
        return etat


class SandboxProvisioner(LocalProvisioner):
    """Fournisseur de noyau (*kernel provisioner*, API publique de jupyter_client) qui lance le
    noyau dans le bac à sable. Enregistré sous le nom :data:`FOURNISSEUR` dans le registre de
    jupyter_client (plus bas, à l'import de ce module) et désigné par la spécification du noyau
    de :class:`SandboxKernelManager`, dont il lit les réglages (son ``parent``).

    ``pre_launch`` prépare le dossier privé (sockets ZMQ, copie d'``IPYTHONDIR``) puis enveloppe
    la commande du noyau (:func:`construire_commande`) ; ``cleanup`` supprime le dossier privé.
    """

    dossier_prive: str | None = None

    async def pre_launch(self, **kwargs: t.Any) -> dict[str, t.Any]:
        km = self.parent
        if not isinstance(km, SandboxKernelManager):
            raise RuntimeError(f"{FOURNISSEUR} : à lancer par SandboxKernelManager (réglages du bac à sable)")
        etat = km.etat_bac_a_sable = km._etat()
        dossier_travail = kwargs.get("cwd") or os.getcwd()
        if self.dossier_prive is None or not os.path.isdir(self.dossier_prive):
            self.dossier_prive = tempfile.mkdtemp(prefix="bac-a-sable-")
        if etat.reseau_coupe and not km.allow_network and km.transport != "ipc":
            self.log.warning("Bac à sable : transport %r remplacé par 'ipc'.", km.transport)
            km.transport = "ipc"
        environnement = self._copier_ipython_dir(km, kwargs.get("env") or os.environ)
        if km.transport == "ipc":
            # Chemins absolus et courts (limite de 107 octets des sockets Unix).
            km.connection_file = os.path.join(self.dossier_prive, "noyau.json")
            km.ip = os.path.join(self.dossier_prive, "ipc")
        kwargs = await super().pre_launch(**kwargs)
        kwargs["cmd"] = construire_commande(
            kwargs["cmd"],
            etat,
            dossier_travail=dossier_travail,
            dossier_prive=self.dossier_prive,
            hidden_paths=km.hidden_paths,
            allow_network=km.allow_network,
            memory_limit=km.memory_limit,
            cpu_time_limit=km.cpu_time_limit,
            tmp_size=km.tmp_size,
            environnement=environnement,
        )
        return kwargs

    def _copier_ipython_dir(self, km: SandboxKernelManager, env: t.Mapping[str, str]) -> dict[str, str]:
        """Copie ``$IPYTHONDIR`` dans le dossier privé du noyau (voir ``copy_ipython_dir``).

        IPython n'utilise un IPYTHONDIR que s'il est inscriptible ; sinon il prend un
        dossier temporaire vide, sans le profil ni les scripts de démarrage du dépôt
        (``autograder/ipython``). Renvoie les variables à imposer dans le bac à sable.
        """
        etat = km.etat_bac_a_sable
        source = env.get("IPYTHONDIR")
        if not (km.copy_ipython_dir and etat and etat.fichiers_proteges and source):
            return {}
        source = os.path.realpath(source)
        masques = [os.path.realpath(chemin) for chemin in km.hidden_paths]
        if not os.path.isdir(source) or any(
            source == m or source.startswith(m + os.sep) for m in masques
        ):
            return {}
        assert self.dossier_prive is not None
        copie = os.path.join(self.dossier_prive, "ipython")
        if not os.path.isdir(copie):
            shutil.copytree(
                source, copie, symlinks=True,
                ignore=shutil.ignore_patterns("*.sqlite", "*.sqlite-journal"),
            )
        return {"IPYTHONDIR": copie}

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        if not restart and self.dossier_prive is not None:
            shutil.rmtree(self.dossier_prive, ignore_errors=True)
            self.dossier_prive = None


# Enregistrement du fournisseur dans le registre de jupyter_client (le dictionnaire public
# ``KernelProvisionerFactory.provisioners``, qu'il remplit d'ordinaire à partir des points d'entrée
# ``jupyter_client.kernel_provisioners`` des paquets installés ; le dépôt n'en est pas un, et
# dépendre d'une installation en plus casserait les environnements existants). Enregistré dès
# que ce module est importé, c'est-à-dire avant tout noyau lancé par SandboxKernelManager.
KernelProvisionerFactory.provisioners.setdefault(FOURNISSEUR, EntryPoint(
    name=FOURNISSEUR, value="autograder.correction.execution.sandbox:SandboxProvisioner",
    group=KernelProvisionerFactory.GROUP_NAME))


# ---------------------------------------------------------------------------
# Branchement dans nbgrader
# ---------------------------------------------------------------------------

try:
    from nbgrader.preprocessors import Execute as _Execute
except ImportError:  # nbgrader absent : seul SandboxKernelManager est utilisable.
    SandboxExecute = None  # type: ignore[assignment,misc]
else:

    class SandboxExecute(_Execute):  # type: ignore[no-redef]
        """Préprocesseur ``Execute`` de nbgrader qui utilise :class:`SandboxKernelManager`.

        Nécessaire car ``Execute.__init__`` (nbgrader 0.9.6) impose
        ``kernel_manager_class=AsyncKernelManager`` par argument nommé, ce qui
        rend ``c.Execute.kernel_manager_class`` inopérant. Les options
        ``c.Execute.*`` (``timeout``...) s'appliquent toujours (sous-classe).
        """

        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
            super().__init__(*args, **kwargs)
