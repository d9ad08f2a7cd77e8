"""Erreurs typiques d'étudiants, pour les tests de la correction.

Les remises elles-mêmes viennent de ``autograder.remises_modeles`` (le notebook étudiant
rempli avec les réponses du maître), partagé avec les bancs d'essai.
"""
from autograder.remises_modeles import ecrire, remise  # noqa: F401  (réexportés pour les tests)

#: Une erreur typique par exercice : (nom, {grade_id: {trou: ligne}}, points perdus par exercice).
ERREURS_TYPIQUES = {
    "beta_sans_zero": ({"ex1_reponse": {0: "beta = np.linspace(beta_1, beta_T, T)"}}, {"ex1": 2}),
    "alpha_barre_cumsum": ({"ex2_reponse": {1: "alpha_barre = np.cumsum(alpha)"}}, {"ex2": 2}),
    "variance_ecart_type": ({"ex2_reponse": {3: "sigma_x_T = np.sqrt(1 - alpha_barre[T])"}}, {"ex2": 1}),
    "iteratif_beta_sans_racine": (
        {"ex3_reponse": {2: "    x[t] = np.sqrt(alpha[t]) * x[t-1] + beta[t] * epsilon"}}, {"ex3": 2}),
    "direct_alpha": (
        {"ex4_reponse": {2: "    x[t] = np.sqrt(alpha[t]) * x_0 + np.sqrt(1 - alpha[t]) * epsilon"}}, {"ex4": 2}),
    "batch_t_de_0_a_T_moins_1": (
        {"ex5_reponse": {3: "        batch_t = np.random.randint(0, T, self.batch_size)"}}, {"ex5": 3}),
    "debruitage_divise_par_alpha_barre": (
        {"ex7_reponse": {4: "    denoised[t] = (x[t] - np.sqrt(1 - alpha_barre[t]) * epsilon_theta_xt_t)"
                            " / alpha_barre[t]"}},
        {"ex7": 2}),
    "echantillonnage_sans_t_egal_1": ({"ex8_reponse": {0: "for t in range(T, 1, -1):"}}, {"ex8": 2}),
    "echantillonnage_bruit_au_dernier_pas": (
        {"ex8_reponse": {2: "    z = np.random.normal(0, 1, (28, 28))"}}, {"ex8": 2}),
    "cinquante_images_racine_alpha_barre": (
        {"ex9_reponse": {5: "  x_t = (x_t - beta[t] / np.sqrt(1 - alpha_barre[t]) * epsilon_theta_xt_t)"
                            " / np.sqrt(alpha_barre[t]) + np.sqrt(beta[t]) * z"}},
        {"ex9": 2}),
    "cinquante_images_un_seul_bruit": (
        {"ex9_reponse": {2: "    z = np.random.normal(0, 1, (28, 28))", 3: "    z = np.zeros((28, 28))"}}, {"ex9": 2}),
}
