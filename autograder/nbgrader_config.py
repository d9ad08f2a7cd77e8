"""Configuration nbgrader du TP (chargée par autograder/, utilisable telle quelle avec nbgrader).

Chaque extension est un préprocesseur de ``autograder.distribution.preprocessors`` enregistré ici,
comme nbgrader enregistre les siens.
"""
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ComputeChecksums,
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    SaveCells,
)

from autograder.distribution.preprocessors import BadgeColab, ClearSolutionLines
from autograder.typographie import TypographieFrancaise

c = get_config()  # noqa: F821 (fourni par traitlets)

c.CourseDirectory.course_id = "tp_diffusion"

# Génération du notebook étudiant : les lignes « # SOLUTION » deviennent « cible = ... ».
c.ClearSolutionLines.code_stub = {"python": "# VOTRE CODE ICI (facultatif)"}
c.ClearSolutionLines.text_stub = "VOTRE RÉPONSE ICI"
c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    ClearSolutionLines,
    TypographieFrancaise,
    ClearOutput,
    CheckCellMetadata,
    ComputeChecksums,
    SaveCells,
    ClearHiddenTests,
    ClearMarkScheme,
    ComputeChecksums,
    CheckCellMetadata,
    BadgeColab,
]
# Badge « Ouvrir dans Colab » en tête du notebook étudiant : il ouvre la copie PUBLIQUE du
# notebook (dépôt des étudiants, jamais celui-ci). Seul réglage à adapter : « OWNER/REPO »
# veut dire « pas encore choisi ». make release PUBLIC_REPO=… PUBLIC_BRANCH=… le remplace
# pour le paquet publié (PUBLIC_REPO=aucun : sans badge). Voir autograder/distribution/publication.py.
c.BadgeColab.depot = "OWNER/REPO"
c.BadgeColab.branche = "main"

# --- Correction (autograde) et retours aux étudiants -------------------------------------
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from autograder.chemins import RACINE  # noqa: E402
from autograder.correction.execution.preprocesseurs import (  # noqa: E402
    ExecuterReleves,
    Juger,
    LimiterSorties,
    MasquerTestsCaches,
)
from autograder.correction.sorties.commentaires import CommentairesFrancais  # noqa: E402
from autograder.correction.sorties.retour import RetourLisible  # noqa: E402

# La correction exécute le notebook en mode rapide (voir autograder/environnement.py) ;
# l'entraînement court dépasse les 30 s par cellule de nbgrader : 120 s par cellule.
# Une cellule qui tourne sans fin est interrompue au bout de ce délai et notée 0.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# Deux temps : le noyau de l'étudiant (bac à sable) ne fait que relever des données
# (ExecuterReleves) ; le juge, un processus neuf qui n'exécute rien de l'étudiant, exécute
# les vérifications du maître sur ces données (Juger). Voir autograder/correction/execution/releves.py.
c.Autograde.autograde_preprocessors = [
    ExecuterReleves,
    Juger,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    LimiterSorties,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# TensorFlow, Keras et Python écrivent des avertissements sur stderr, et nbgrader donne 0 à
# une cellule de test qui écrit sur stderr : ces messages-là sont retirés avant la notation.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (
    r"(?i)(warning|warn\(|deprecat|tensorflow|keras|absl|onednn|cuda|xla|"
    r"^\s*[IWEF]\d{4} |^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"
)
# Retours : en français, sans le code ni les traces des tests cachés.
# Le « No response. » anglais de nbgrader sous chaque réponse non modifiée devient un
# message français (réponses notées) ou disparaît (parties facultatives).
c.GenerateFeedback.preprocessors = [GetGrades, CommentairesFrancais, MasquerTestsCaches, CSSHTMLHeaderPreprocessor,
                                    RetourLisible]
# NbGraderAPI impose le nom de modèle « feedback » : notre dossier autograder/modeles/feedback
# (libellés en français) passe devant celui de nbgrader.
c.HTMLExporter.extra_template_basedirs = [
    str(RACINE / "autograder" / "modeles"),
    str(__import__("pathlib").Path(__import__("nbgrader").__file__).parent
        / "server_extensions" / "formgrader" / "templates"),
]
