# Profil IPython des tests et de la correction : pas d'historique sur disque (le dossier
# peut être en lecture seule dans le bac à sable, et plusieurs noyaux tournent en parallèle).
c = get_config()  # noqa: F821
c.HistoryManager.hist_file = ":memory:"
