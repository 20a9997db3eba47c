/** Media strings (issue 7), merged into the dictionaries of i18n.ts. */
export const mediaEn = {
  media_attach: 'Attach files', media_sendTitle: 'Send files', media_compress: 'Compress photos',
  media_compressHelp: 'Smaller and faster to send. Uncheck to send the original file.', media_caption: 'Caption',
  media_record: 'Record a voice message', media_stopSend: 'Send voice message', media_cancelRecording: 'Cancel recording',
  media_recording: 'Recording', media_hashing: 'Preparing…', media_uploading: 'Uploading', media_finishing: 'Finishing…',
  media_retrying: 'Connection lost, retrying…', media_needsFile: 'Upload interrupted: choose the same file to resume it',
  media_pickAgain: 'Choose file', media_failed: 'Upload failed', media_notSameFile: 'That is not the same file',
  media_download: 'Download', media_downloading: 'Downloading', media_play: 'Play', media_pause: 'Pause',
  media_voice: 'Voice message', media_photo: 'Photo', media_video: 'Video', media_file: 'File',
  media_dropHere: 'Drop files here to send them', media_viewer: 'Photo', media_micDenied: 'The microphone is not available',
  err_media_too_large: 'The file is too large', err_quota_exceeded: 'Your storage quota is full',
  err_unsupported_media: 'This file type is not supported', err_image_too_large: 'The image is too large',
  err_hash_mismatch: 'The file changed while it was being sent', err_size_mismatch: 'The file changed while it was being sent',
  err_media_not_found: 'The file is not available', err_upload_not_found: 'The upload has expired',
};
type MediaDict = Partial<Record<keyof typeof mediaEn, string>>;

export const mediaIt: MediaDict = {
  media_attach: 'Allega file', media_sendTitle: 'Invia file', media_compress: 'Comprimi le foto',
  media_compressHelp: "Più leggere e veloci da inviare. Deseleziona per inviare il file originale.", media_caption: 'Didascalia',
  media_record: 'Registra un messaggio vocale', media_stopSend: 'Invia messaggio vocale', media_cancelRecording: 'Annulla registrazione',
  media_recording: 'Registrazione', media_hashing: 'Preparazione…', media_uploading: 'Caricamento', media_finishing: 'Completamento…',
  media_retrying: 'Connessione persa, nuovo tentativo…', media_needsFile: 'Caricamento interrotto: scegli lo stesso file per riprenderlo',
  media_pickAgain: 'Scegli file', media_failed: 'Caricamento non riuscito', media_notSameFile: 'Non è lo stesso file',
  media_download: 'Scarica', media_downloading: 'Download', media_play: 'Riproduci', media_pause: 'Pausa',
  media_voice: 'Messaggio vocale', media_photo: 'Foto', media_video: 'Video', media_file: 'File',
  media_dropHere: 'Trascina qui i file per inviarli', media_viewer: 'Foto', media_micDenied: 'Il microfono non è disponibile',
  err_media_too_large: 'Il file è troppo grande', err_quota_exceeded: 'Lo spazio a tua disposizione è esaurito',
  err_unsupported_media: 'Tipo di file non supportato', err_image_too_large: "L'immagine è troppo grande",
  err_hash_mismatch: "Il file è cambiato durante l'invio", err_size_mismatch: "Il file è cambiato durante l'invio",
  err_media_not_found: 'Il file non è disponibile', err_upload_not_found: 'Il caricamento è scaduto',
};

export const mediaFr: MediaDict = {
  media_attach: 'Joindre des fichiers', media_sendTitle: 'Envoyer des fichiers', media_compress: 'Compresser les photos',
  media_compressHelp: 'Plus légères et plus rapides à envoyer. Décochez pour envoyer le fichier original.', media_caption: 'Légende',
  media_record: 'Enregistrer un message vocal', media_stopSend: 'Envoyer le message vocal', media_cancelRecording: "Annuler l'enregistrement",
  media_recording: 'Enregistrement', media_hashing: 'Préparation…', media_uploading: 'Envoi', media_finishing: 'Finalisation…',
  media_retrying: 'Connexion perdue, nouvel essai…', media_needsFile: 'Envoi interrompu : choisissez le même fichier pour le reprendre',
  media_pickAgain: 'Choisir le fichier', media_failed: "Échec de l'envoi", media_notSameFile: "Ce n'est pas le même fichier",
  media_download: 'Télécharger', media_downloading: 'Téléchargement', media_play: 'Lire', media_pause: 'Pause',
  media_voice: 'Message vocal', media_photo: 'Photo', media_video: 'Vidéo', media_file: 'Fichier',
  media_dropHere: 'Déposez des fichiers ici pour les envoyer', media_viewer: 'Photo', media_micDenied: "Le micro n'est pas disponible",
  err_media_too_large: 'Le fichier est trop volumineux', err_quota_exceeded: 'Votre espace de stockage est plein',
  err_unsupported_media: "Ce type de fichier n'est pas pris en charge", err_image_too_large: "L'image est trop grande",
  err_hash_mismatch: "Le fichier a changé pendant l'envoi", err_size_mismatch: "Le fichier a changé pendant l'envoi",
  err_media_not_found: "Le fichier n'est pas disponible", err_upload_not_found: "L'envoi a expiré",
};

export const mediaDe: MediaDict = {
  media_attach: 'Dateien anhängen', media_sendTitle: 'Dateien senden', media_compress: 'Fotos komprimieren',
  media_compressHelp: 'Kleiner und schneller gesendet. Abwählen, um die Originaldatei zu senden.', media_caption: 'Bildunterschrift',
  media_record: 'Sprachnachricht aufnehmen', media_stopSend: 'Sprachnachricht senden', media_cancelRecording: 'Aufnahme abbrechen',
  media_recording: 'Aufnahme', media_hashing: 'Vorbereiten…', media_uploading: 'Hochladen', media_finishing: 'Abschließen…',
  media_retrying: 'Verbindung verloren, neuer Versuch…', media_needsFile: 'Upload unterbrochen: dieselbe Datei wählen, um fortzufahren',
  media_pickAgain: 'Datei wählen', media_failed: 'Upload fehlgeschlagen', media_notSameFile: 'Das ist nicht dieselbe Datei',
  media_download: 'Herunterladen', media_downloading: 'Herunterladen', media_play: 'Abspielen', media_pause: 'Pause',
  media_voice: 'Sprachnachricht', media_photo: 'Foto', media_video: 'Video', media_file: 'Datei',
  media_dropHere: 'Dateien hier ablegen, um sie zu senden', media_viewer: 'Foto', media_micDenied: 'Das Mikrofon ist nicht verfügbar',
  err_media_too_large: 'Die Datei ist zu groß', err_quota_exceeded: 'Dein Speicherplatz ist voll',
  err_unsupported_media: 'Dieser Dateityp wird nicht unterstützt', err_image_too_large: 'Das Bild ist zu groß',
  err_hash_mismatch: 'Die Datei hat sich beim Senden geändert', err_size_mismatch: 'Die Datei hat sich beim Senden geändert',
  err_media_not_found: 'Die Datei ist nicht verfügbar', err_upload_not_found: 'Der Upload ist abgelaufen',
};
