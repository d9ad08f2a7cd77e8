"""Un vrai cluster Slurm d'un seul nœud, sur cette machine, le temps d'un test.

munged, slurmctld et slurmd (paquets Debian munge, slurmctld, slurmd, slurm-client) sont
lancés au premier plan par le test, avec une clé munge, un ``slurm.conf`` et des ports
générés dans un dossier temporaire ; les commandes clientes (sbatch, squeue…) le trouvent
par la variable ``SLURM_CONF``. Rien n'est écrit dans /etc. Sans comptabilité (pas de
slurmdbd) : ``sacct`` répond « accounting storage is disabled », le correcteur se rabat sur
``squeue``, ``scontrol`` et les codes de sortie écrits par les tâches.
"""
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PROGRAMMES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo")


class GrappeIndisponible(Exception):
    """Slurm ne peut pas démarrer ici ; le message dit pourquoi."""


def _port_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _conf(dossier, hote, cpus):
    return "\n".join([
        "ClusterName=essai",
        f"SlurmctldHost={hote}(127.0.0.1)",
        f"SlurmctldPort={_port_libre()}",
        f"SlurmdPort={_port_libre()}",
        "SlurmUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={dossier / 'munge' / 'munge.socket'}",
        f"StateSaveLocation={dossier / 'etat'}",
        f"SlurmdSpoolDir={dossier / 'spool'}",
        f"SlurmctldPidFile={dossier / 'slurmctld.pid'}",
        f"SlurmdPidFile={dossier / 'slurmd.pid'}",
        f"SlurmctldLogFile={dossier / 'slurmctld.log'}",
        f"SlurmdLogFile={dossier / 'slurmd.log'}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_CPU",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "ReturnToService=2",
        "SchedulerType=sched/builtin",
        "MinJobAge=3600",
        f"NodeName={hote} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN",
        f"PartitionName=test Nodes={hote} Default=YES MaxTime=INFINITE State=UP",
        "",
    ])


class GrappeSlurm:
    """``with GrappeSlurm(dossier) as grappe:`` ; ``grappe.environnement`` pour les clients."""

    def __init__(self, dossier: Path, cpus: int = 2):
        self.dossier = Path(dossier)
        self.cpus = cpus
        self.processus = []
        self.environnement = dict(os.environ)

    def __enter__(self):
        manquants = [p for p in PROGRAMMES if shutil.which(p) is None]
        if manquants:
            raise GrappeIndisponible(f"Slurm absent : {', '.join(manquants)} introuvable(s) (paquets Debian munge, "
                                     "slurmctld, slurmd, slurm-client : make paquets-systeme en root)")
        if os.geteuid() != 0:
            raise GrappeIndisponible("Slurm : il faut être root pour lancer slurmd et slurmctld (SlurmUser=root)")
        try:
            self._demarrer()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _lancer(self, *commande):
        with open(self.dossier / f"{Path(commande[0]).name}.sortie", "w") as journal:
            self.processus.append(subprocess.Popen(commande, stdout=journal, stderr=subprocess.STDOUT,
                                                   stdin=subprocess.DEVNULL, start_new_session=True,
                                                   env=self.environnement))

    def _demarrer(self):
        d = self.dossier
        for sous in ("munge", "etat", "spool"):
            (d / sous).mkdir(parents=True, exist_ok=True)
        os.chmod(d / "munge", 0o700)
        cle = d / "munge" / "munge.key"
        cle.write_bytes(os.urandom(128))
        os.chmod(cle, 0o400)
        hote = socket.gethostname()
        (d / "slurm.conf").write_text(_conf(d, hote, self.cpus))
        self.environnement["SLURM_CONF"] = str(d / "slurm.conf")
        m = d / "munge"
        self._lancer("munged", "--foreground", "--force", f"--socket={m / 'munge.socket'}", f"--key-file={cle}",
                     f"--pid-file={m / 'munged.pid'}", f"--log-file={m / 'munged.log'}", f"--seed-file={m / 'seed'}")
        self._attendre(lambda: (m / "munge.socket").exists(), "munged", 20)
        self._lancer("slurmctld", "-D", "-f", str(d / "slurm.conf"))
        self._lancer("slurmd", "-D", "-f", str(d / "slurm.conf"), "-N", hote)
        self._attendre(self._noeud_pret, "slurmctld et slurmd (nœud « idle »)", 90)

    def _noeud_pret(self):
        sinfo = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=self.environnement,
                               check=False)
        return sinfo.returncode == 0 and sinfo.stdout.strip() == "idle"

    def _attendre(self, condition, quoi, delai):
        fin = time.monotonic() + delai
        while time.monotonic() < fin:
            morts = [p.args[0] for p in self.processus if p.poll() is not None]
            if morts:
                raise GrappeIndisponible(f"Slurm : {', '.join(morts)} s'est arrêté au démarrage ({self.journaux()})")
            if condition():
                return
            time.sleep(0.5)
        raise GrappeIndisponible(f"Slurm : {quoi} pas prêt après {delai} s ({self.journaux()})")

    def journaux(self, lignes=5):
        """Fin des journaux des démons, pour les messages d'erreur."""
        morceaux = []
        for nom in ("slurmctld.log", "slurmd.log", "munge/munged.log", "slurmctld.sortie", "slurmd.sortie"):
            chemin = self.dossier / nom
            if chemin.exists():
                fin = chemin.read_text(errors="replace").splitlines()[-lignes:]
                morceaux.append(f"{nom} : " + " | ".join(fin))
        return " ; ".join(morceaux) or "aucun journal"

    def __exit__(self, *exc):
        if "SLURM_CONF" in self.environnement and any(p.poll() is None for p in self.processus):
            subprocess.run(["scancel", "--full", "--partition=test"], capture_output=True, env=self.environnement,
                           check=False, timeout=30)
            time.sleep(1)
        for p in reversed(self.processus):  # slurmd, slurmctld, puis munged
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        return False
