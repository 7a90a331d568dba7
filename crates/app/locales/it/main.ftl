# rinnova — testi in italiano (lingua predefinita)
app-title = Rinnovo certificati di firma
skip-to-content = Vai al contenuto
lang-switch = English
logout = Esci
error-summary-title = Non è stato possibile procedere
error-code = Codice errore
error-request-id = Riferimento della richiesta (da indicare all'assistenza)
back-home = Torna alla pagina iniziale
demo-banner = Ambiente dimostrativo: i messaggi non vengono inviati davvero.
demo-outbox-link = Messaggi inviati (SMS ed e-mail)

login-title = Accedi
login-intro = Inserisci user-id e password del servizio di firma. La password non è il PIN di firma.
field-user-id = User-id
field-password = Password
login-submit = Accedi
login-help = Non riesci ad accedere? Rivolgiti al tuo operatore di registrazione (RAO).
demo-credentials-title = Titolari dimostrativi
demo-col-situation = Situazione

home-title = I tuoi certificati
home-greeting = Ti diamo il benvenuto, { $name }
no-certificates = Non risultano certificati a tuo nome.
cert-kind-remote_signature = Firma remota
cert-kind-card_signature = Firma su smart card
cert-kind-cns = CNS (autenticazione)
cert-serial = Numero di serie
cert-expiry = Scadenza
cert-valid-from = Valido dal
cert-status = Stato
cert-status-active = Attivo
cert-status-superseded = Sostituito dal rinnovo
cert-status-revoked = Revocato
cert-status-suspended = Sospeso
cert-status-expired = Scaduto
cert-status-blocked = Bloccato (troppi PIN errati)
window-open = Rinnovo disponibile: { $days } giorni per rinnovare.
window-last-day = Oggi è l'ultimo giorno per rinnovare.
renew-button = Rinnova
resume-button = Riprendi il rinnovo
need-new-cert = Per continuare a firmare serve un nuovo certificato: rivolgiti a un operatore di registrazione (RAO).
payroll-note = La tua organizzazione paga il nuovo certificato tramite busta paga.
renewed-note = Rinnovato: il nuovo certificato è valido fino al { $date }.

stepper-label = Fasi del rinnovo
step-check_data = Dati
step-documents = Documenti
step-sign = Firma
step-payment = Pagamento
step-approval = Approvazione
step-activate = Attivazione
step-completed = Fatto
step-cancelled = Annullato
step-done-marker = completata
step-current-marker = fase attuale
renewal-title = Rinnovo del certificato { $serial }

data-title = Verifica i tuoi dati
data-intro = Controlla i dati che saranno riportati nel modulo di rinnovo.
field-given-name = Nome
field-surname = Cognome
field-iut = IUT
field-cf = Codice fiscale
field-email = E-mail
field-mobile = Cellulare
field-residence = Residenza
field-role = Ruolo
field-organisation = Organizzazione
role-readonly-note = I dati di ruolo non si possono modificare in fase di rinnovo: per cambiarli serve un nuovo certificato.
data-confirm-button = Confermo i dati e proseguo

docs-title = Documenti
docs-intro = Leggi il modulo di rinnovo compilato con i tuoi dati e le condizioni generali del servizio.
doc-form = Modulo di rinnovo (PDF)
doc-conditions = Condizioni generali del servizio (PDF)
consent-terms = Accetto le condizioni generali del servizio
consent-data = Confermo i miei dati
docs-continue = Prosegui

sign-title = Firma la richiesta di rinnovo
sign-intro = Firma il modulo di rinnovo con le credenziali del tuo certificato attuale: PIN e codice OTP.
field-pin = PIN di firma
field-otp = Codice OTP
otp-sent-sms = Abbiamo inviato un codice via SMS al numero { $mobile }.
otp-token = Inserisci il codice generato dal tuo token.
otp-resend = Invia un nuovo codice
otp-send = Inviami il codice
otp-not-sent-sms = Nessun codice valido in attesa: premi «Inviami il codice» per riceverlo via SMS al numero { $mobile }.
otp-resent = Nuovo codice inviato.
sign-submit = Firma la richiesta

payment-title = Pagamento
payment-intro = L'ordine è già impostato sul rinnovo del tuo certificato. Scegli come pagare.
payment-product = Prodotto
payment-net = Imponibile
payment-vat = IVA { $rate }%
payment-total = Totale
pay-shop-title = Paga online
pay-shop-intro = Paga con carta di credito o PayPal (il pagamento è confermato subito) oppure con bonifico bancario (il rinnovo riprende quando il bonifico arriva, di solito in 1-2 giorni lavorativi).
field-method = Metodo di pagamento
method-card = Carta di credito
method-paypal = PayPal
method-bank_transfer = Bonifico bancario
field-promo = Codice promozionale (facoltativo)
pay-shop-submit = Procedi al pagamento
order-declined = Il pagamento non è andato a buon fine: la carta è stata rifiutata. Puoi riprovare o scegliere un altro metodo.
order-cancelled = Il pagamento è stato annullato. Puoi riprovare o scegliere un altro metodo.
order-open = Pagamento in corso presso il circuito: se hai già pagato, la conferma arriva tra pochi istanti.
order-refund_due = Questo pagamento è arrivato dopo che il rinnovo era già pagato: ti sarà rimborsato.
transfer-title = Bonifico in attesa
transfer-intro = Esegui il bonifico con questi dati. Quando la banca lo registra ricevi un'e-mail e, al prossimo accesso, riprendi il rinnovo da qui.
transfer-beneficiary = Beneficiario
transfer-iban = IBAN
transfer-amount = Importo
transfer-reference = Causale (obbligatoria)
payment-done = Pagato: { $amount } ({ $method }).
sandbox-title = Pagamento di prova (sandbox)
sandbox-intro = Questa pagina simula il circuito di pagamento: nessun addebito reale.
sandbox-pay = Paga
sandbox-decline = Simula carta rifiutata
sandbox-decline-paypal = Simula pagamento PayPal rifiutato
sandbox-cancel = Annulla e torna al rinnovo
sandbox-expired = La sessione di pagamento è scaduta o non è valida: torna al rinnovo e riprova.
email-transfer-subject = Istruzioni per il bonifico del rinnovo
email-transfer-body = Gentile { $name },
    per completare il pagamento del rinnovo esegui un bonifico di { $amount } a { $beneficiary }, IBAN { $iban }, con causale { $reference }.
    Quando la banca registra il bonifico ti scriviamo: al prossimo accesso riprenderai il rinnovo.
email-paid-subject = Pagamento del rinnovo ricevuto
email-paid-body = Gentile { $name },
    abbiamo ricevuto il pagamento di { $amount } per il rinnovo del tuo certificato. Accedi per completare l'attivazione: { $link }
pay-rao-title = Operatore RAO
pay-rao-intro = Se sei allo sportello di un operatore di registrazione (RAO), l'operatore inserisce qui le proprie credenziali e preme Verifica: il rinnovo è approvato e pagato dall'ufficio.
field-rao-username = Username dell'operatore
field-rao-password = Password dell'operatore
pay-rao-submit = Verifica
rao-verified = Rinnovo verificato dall'operatore { $by }.
rao-choice = Puoi completare ora l'attivazione allo sportello, oppure interrompere: al prossimo accesso il titolare riprenderà il rinnovo da qui.
rao-finish-now = Completa ora
rao-interrupt = Interrompi (esci)
demo-rao = Operatore RAO
pay-prepaid-title = Conto prepagato
pay-prepaid-intro = Se hai un conto prepagato, inserisci le sue credenziali: l'importo è prenotato ora e addebitato solo quando il nuovo certificato è emesso.
field-prepaid-user = User-id del conto prepagato
field-prepaid-password = Password del conto prepagato
pay-prepaid-submit = Paga con il conto prepagato
demo-prepaid = Conto prepagato
cdrl-title = Area responsabile (CDRL)
cdrl-login-title = Accesso responsabile dell'organizzazione
cdrl-login-intro = Accedi con le credenziali di responsabile (CDRL) della tua organizzazione per approvare o rifiutare le richieste di rinnovo.
field-username = Username
cdrl-pending-title = Richieste da approvare
cdrl-pending-none = Nessuna richiesta in attesa.
cdrl-col-holder = Titolare
cdrl-col-data = Dati
cdrl-col-certificate = Certificato
cdrl-col-decision = Decisione
cdrl-requested-on = Richiesta del { $date }
cdrl-expires = Scade il { $date }
cdrl-approve = Approva
cdrl-reject = Rifiuta
field-reason = Motivo del rifiuto
cdrl-approved-notice = Richiesta approvata: il titolare è stato avvisato.
cdrl-rejected-notice = Richiesta rifiutata: il titolare è stato avvisato con il motivo.
demo-cdrl = Responsabile CDRL (Ordine demo, JZLF011)
email-approval-subject = Richiesta di rinnovo da approvare
email-approval-body = Gentile { $name },
    { $holder } ha chiesto il rinnovo del certificato di firma. Approva o rifiuta la richiesta: { $link }
email-approved-subject = Rinnovo approvato dalla tua organizzazione
email-approved-body = Gentile { $name },
    { $organisation } ha approvato il rinnovo del tuo certificato. Accedi per attivarlo: { $link }
email-rejected-subject = Rinnovo non approvato dalla tua organizzazione
email-rejected-body = Gentile { $name },
    { $organisation } non ha approvato il rinnovo del tuo certificato. Motivo: { $reason }
contact-edit = Modifica
contact-edit-intro = Per sicurezza inserisci la password del portale; ti invieremo un codice via SMS per confermare (al nuovo numero, se cambi il cellulare).
field-new-value = Nuovo valore
contact-which = Quale recapito vuoi cambiare?
field-portal-password = Password del portale
contact-send-code = Invia il codice di conferma
contact-confirm-title = Conferma la modifica
contact-confirm-intro = Inserisci il codice ricevuto via SMS per confermare il nuovo valore: { $value }
contact-confirm-submit = Conferma la modifica
sms-otp-contact = rinnova: { $code } è il codice per confermare la modifica dei tuoi recapiti. Scade tra { $minutes } minuti. Non comunicarlo a nessuno.
email-contact-changed-subject = Il tuo indirizzo e-mail è stato cambiato
email-contact-changed-body = Gentile { $name },
    l'indirizzo e-mail del tuo account di firma è stato cambiato in { $email }. Se non sei stato tu, contatta subito l'assistenza.
desk-title = Sportello RAO
desk-login-title = Accesso operatore RAO
desk-login-intro = Accedi con le tue credenziali di operatore di registrazione per cercare un titolare e gestire i suoi certificati allo sportello.
desk-search-label = User-id o codice fiscale del titolare, o numero di serie di un certificato
desk-search-submit = Cerca
desk-none = Nessun titolare trovato.
desk-renewable-hint = Rinnovabile: il titolare accede al portale su questo terminale e, al pagamento, premi Verifica con le tue credenziali; poi il titolare completa l'attivazione con il proprio PIN e OTP. Per un cambio dei dati di ruolo usa invece il nuovo certificato qui sotto.
desk-new-title = Nuovo certificato (identificazione allo sportello)
desk-new-intro = Il rinnovo non è possibile: verifica l'identità del titolare con un documento, poi il titolare sceglie il PIN del nuovo certificato.
field-document-type = Documento esibito
doc-carta_identita = Carta d'identità
doc-passaporto = Passaporto
doc-patente = Patente di guida
field-document-number = Numero del documento
field-new-role = Nuovi dati di ruolo (solo se cambiati)
desk-new-submit = Emetti il nuovo certificato
desk-issued = Nuovo certificato emesso: numero di serie { $serial }, scadenza { $date }.
demo-rao-desk = Sportello RAO
email-desk-subject = Nuovo certificato di firma emesso allo sportello
email-desk-body = Gentile { $name },
    presso { $office } ti è stato emesso un nuovo certificato di firma remota (numero di serie { $serial }). Usa il PIN scelto allo sportello.
pay-coupon-title = Coupon
pay-coupon-intro = Se la tua organizzazione o il rivenditore del certificato ti ha dato un coupon, inseriscilo qui: copre l'intero importo.
field-coupon = Codice coupon
pay-coupon-submit = Usa il coupon
demo-coupons = Coupon del rivenditore (per JZLF009)
approval-title = In attesa di approvazione
approval-wait = La richiesta è stata inoltrata alla tua organizzazione, che deve approvarla. Riceverai un'e-mail con l'esito.

activate-title = Attiva il nuovo certificato
activate-intro-1 = Inserisci il codice OTP per avviare l'attivazione.
activate-otp1-submit = Verifica il codice
activate-intro-2 = Scegli il PIN del nuovo certificato (lo stesso di prima o uno nuovo) e conferma con un secondo codice OTP.
field-new-pin = PIN (almeno 8 cifre)
field-new-pin-confirm = Ripeti il PIN
pin-hint = Solo cifre, almeno 8. Il PIN non può essere recuperato: conservalo con cura.
activate-submit = Attiva il certificato

done-title = Rinnovo completato
done-text = Il nuovo certificato è attivo e valido fino al { $date }.
done-serial = Numero di serie del nuovo certificato

outbox-title = Messaggi inviati
outbox-intro = Ambiente dimostrativo: qui compaiono gli SMS e le e-mail che i titolari riceverebbero.
outbox-channel = Canale
outbox-to = Destinatario
outbox-when = Quando
outbox-text = Testo
outbox-empty = Nessun messaggio.

sms-otp-sign = rinnova: { $code } è il codice per firmare la richiesta di rinnovo. Scade tra { $minutes } minuti. Non comunicarlo a nessuno.
sms-otp-signing = rinnova: { $code } è il codice per autorizzare firme con il tuo certificato di firma remota. Scade tra { $minutes } minuti. Non comunicarlo a nessuno.
sms-otp-activate-1 = rinnova: { $code } è il codice per avviare l'attivazione del nuovo certificato. Scade tra { $minutes } minuti. Non comunicarlo a nessuno.
sms-otp-activate-2 = rinnova: { $code } è il codice per confermare l'attivazione del nuovo certificato. Scade tra { $minutes } minuti. Non comunicarlo a nessuno.
email-footer = Messaggio automatico di rinnova: non rispondere a questo indirizzo.
email-renewed-subject = Rinnovo completato: il tuo nuovo certificato di firma
email-renewed-body = Gentile { $name },
    il rinnovo è stato completato. Il nuovo certificato (numero di serie { $serial }) è valido fino al { $date }.
    Il certificato precedente è stato sostituito.
    Se non hai richiesto tu questo rinnovo, contatta subito il Certificatore.

err-RNV-AUTH-001 = Accedi per continuare.
err-RNV-AUTH-002 = User-id o password errati.
err-RNV-AUTH-003 = Troppi tentativi di accesso per questo user-id: riprova tra { $minutes } minuti.
err-RNV-GEN-404 = Pagina o elemento non trovato.
err-RNV-GEN-409 = La pratica è stata modificata nel frattempo: ricarica la pagina.
err-RNV-GEN-500 = Si è verificato un errore interno. Riprova più tardi; nulla è andato perso.
err-RNV-GEN-503 = Il servizio è momentaneamente non disponibile: riprova tra qualche secondo. Nulla è andato perso e ogni passo già confermato resta salvato.
err-RNV-CSRF-001 = La sessione del modulo è scaduta: ricarica la pagina e riprova.
err-RNV-CSRF-002 = Richiesta rifiutata: proviene da un altro sito.
err-RNV-REQ-400 = La richiesta non è leggibile: controlla il formato dei dati inviati.
err-RNV-REQ-405 = Questo indirizzo non accetta questo metodo.
err-RNV-REQ-413 = La richiesta è troppo grande.
err-RNV-REQ-415 = I dati vanno inviati come JSON (Content-Type: application/json).
err-RNV-REQ-422 = I dati inviati non hanno la forma attesa: un campo manca o è del tipo sbagliato.
err-RNV-REQ-429 = Troppe richieste: riprova tra poco.
err-RNV-INP-001 = Lo user-id non è valido (lettere seguite da cifre, per esempio JZLF001).
err-RNV-INP-002 = Il codice fiscale non è valido.
err-RNV-INP-003 = L'indirizzo e-mail non è valido.
err-RNV-INP-004 = Il numero di cellulare non è valido.
err-RNV-INP-010 = Compila tutti i campi obbligatori.
err-RNV-PIN-001 = Il PIN deve essere composto da almeno 8 cifre.
err-RNV-PIN-002 = I due PIN non coincidono.
err-RNV-PIN-003 = PIN errato: il codice OTP usato non vale più, chiedine uno nuovo (non conta nel limite dei codici). Tentativi PIN rimasti: { $remaining }.
err-RNV-PIN-004 = La credenziale di firma è bloccata per troppi PIN errati: rivolgiti a un operatore di registrazione (RAO).
err-RNV-WIN-001 = Il rinnovo non è ancora disponibile: lo sarà dal { $date }.
err-RNV-WIN-002 = Il periodo di rinnovo si è chiuso alle ore 00:00 del giorno di scadenza (cioè a fine del giorno precedente): serve un nuovo certificato.
err-RNV-WIN-003 = Il certificato è scaduto: serve un nuovo certificato.
err-RNV-WIN-004 = Il certificato è revocato: serve un nuovo certificato.
err-RNV-WIN-005 = Il certificato è sospeso: non può essere rinnovato.
err-RNV-WIN-006 = Il certificato è già stato rinnovato.
err-RNV-WIN-007 = Il dispositivo che contiene il certificato è scaduto: serve un nuovo certificato.
err-RNV-WIN-008 = Il dispositivo è già stato rinnovato una volta: serve un nuovo certificato.
err-RNV-WF-001 = Questa operazione non è possibile in questa fase del rinnovo.
err-RNV-WF-002 = I documenti sono cambiati: rileggili e conferma di nuovo.
err-RNV-WF-003 = Per proseguire devi accettare le condizioni generali e confermare i tuoi dati.
err-RNV-OTP-001 = Codice OTP errato. Tentativi rimasti: { $remaining }.
err-RNV-OTP-002 = Il codice OTP è scaduto: chiedine uno nuovo.
err-RNV-OTP-003 = Troppi codici errati: chiedi un nuovo codice.
err-RNV-OTP-004 = Il codice OTP è già stato usato: chiedine uno nuovo.
err-RNV-OTP-005 = Nessun codice è stato inviato per questa operazione: chiedine uno.
err-RNV-OTP-006 = Attendi { $seconds } secondi prima di chiedere un nuovo codice.
err-RNV-OTP-007 = Hai già ricevuto il numero massimo di codici per questa operazione: potrai chiederne un altro tra { $minutes } minuti. Il rinnovo resta salvato.
err-RNV-OTP-011 = Codice del token errato.
err-RNV-OTP-012 = Questo codice del token è già stato usato: attendi il successivo.
err-RNV-OTP-013 = Il codice deve essere composto dalle cifre mostrate dal token.
payment-free = Gratuito
payment-organisation = A carico dell'organizzazione
token-resync-title = Il codice del token non viene accettato?
token-resync-intro = Se l'orologio del token non è allineato, sincronizzalo: inserisci due codici consecutivi mostrati dal token.
token-resync-first = Primo codice
token-resync-second = Codice successivo
token-resync-submit = Sincronizza il token
token-resynced = Token sincronizzato: ora puoi usare il codice successivo.
err-RNV-CPN-001 = Il codice coupon non è valido: controllalo e riscrivilo (lettere e cifre, es. 7KQ2-M9XD-4T8R-J).
err-RNV-CPN-002 = Questo coupon non esiste: controlla il codice.
err-RNV-CPN-003 = Questo coupon è già stato usato.
err-RNV-CPN-004 = Questo coupon è scaduto.
err-RNV-CPN-005 = Questo coupon vale per un altro tipo di certificato.
err-RNV-CPN-006 = Questo coupon non è stato emesso per il tuo certificato: vale solo per i certificati dell'organizzazione o del rivenditore che lo ha rilasciato.
err-RNV-PAY-010 = Per questo rinnovo c'è già un pagamento in attesa di conferma.
err-RNV-PAY-001 = Questo codice promozionale non esiste.
err-RNV-PAY-002 = Questo codice promozionale non è ancora valido.
err-RNV-PAY-003 = Questo codice promozionale è scaduto.
err-RNV-PAY-004 = Questo codice promozionale è esaurito.
err-RNV-PAY-005 = Questo codice promozionale non vale per questo tipo di certificato.
err-RNV-PAY-006 = Questo codice promozionale non è valido.
err-RNV-PAY-007 = Esiste già un codice promozionale con questo nome: scegline un altro.
err-RNV-PAY-020 = La notifica di pagamento non è valida.
err-RNV-PAY-021 = L'estratto conto non è un file CAMT.053 leggibile.
err-RNV-RAO-001 = Username o password dell'operatore errati.
err-RNV-RAO-002 = Troppi tentativi errati con le credenziali dell'operatore da questo rinnovo: riprova tra { $minutes } minuti.
err-RNV-CPN-010 = Troppi codici coupon errati: riprova tra { $minutes } minuti.
err-RNV-PRE-001 = Credito insufficiente sul conto prepagato: disponibili { $available }, servono { $needed }.
err-RNV-PRE-002 = Nessun importo è prenotato per questo rinnovo.
err-RNV-PRE-010 = User-id o password del conto prepagato errati.
err-RNV-AUTH-010 = Username o password errati.
err-RNV-DATA-001 = Questo recapito è già registrato a un'altra persona: indicane un altro.
err-RNV-DATA-003 = La password del portale non è corretta: riprova (dopo troppi tentativi errati l'accesso si blocca per qualche minuto).
err-RNV-DATA-002 = Il tuo indirizzo e-mail o il tuo cellulare risulta registrato anche a un'altra persona: modificalo per proseguire con il rinnovo.
err-RNV-DESK-001 = Il certificato si può rinnovare: il titolare lo rinnova dal portale, non serve un nuovo certificato.

email-reminder-subject = Il tuo certificato di firma scade tra { $days } giorni
email-reminder-subject-last = Il tuo certificato di firma scade domani: rinnovalo oggi
email-reminder-body = Gentile { $name },
    il tuo certificato "{ $kind }" (numero di serie { $serial }) scade il { $date }.
    Puoi rinnovarlo online fino al { $last } compreso: il nuovo certificato vale 3 anni e le tue firme continuano senza interruzioni.

    Per rinnovarlo apri questo collegamento e accedi con il tuo user-id e la tua password:
    { $link }

    Il collegamento porta direttamente al rinnovo di questo certificato e vale fino alla sua scadenza. Se lo hai già rinnovato, ignora questo messaggio.
email-closed-subject = Il tuo certificato di firma non è più rinnovabile
email-closed-body = Gentile { $name },
    il tuo certificato "{ $kind }" (numero di serie { $serial }) scade o è scaduto il { $date } e non può più essere rinnovato online.
    Per continuare a firmare serve un nuovo certificato: richiedilo al tuo ufficio di registrazione (RAO) o al Certificatore.

    La tua pagina: { $home }
err-RNV-LINK-001 = Questo collegamento non è valido o è scaduto. Dalla pagina iniziale scegli «Rinnova» accanto al certificato.
err-RNV-LINK-002 = Questo collegamento è stato inviato a un altro account: esci e accedi con lo user-id a cui è arrivata l'e-mail.

login-recover = Non riesci ad accedere?
recover-title = Non riesci ad accedere?
recover-intro = Puoi recuperare lo user-id o scegliere una nuova password. Ti serviranno l'indirizzo e-mail e il cellulare registrati: ti mandiamo un collegamento per e-mail e poi un codice via SMS.
recover-password-title = Ho dimenticato la password
recover-user-id-title = Ho dimenticato lo user-id
recover-field-email = Indirizzo e-mail registrato
recover-field-cf = Codice fiscale
recover-send-link = Inviami il collegamento
recover-sent = Richiesta ricevuta. Se i dati corrispondono a un account, abbiamo inviato all'indirizzo e-mail registrato un collegamento valido { $minutes } minuti.
recover-sent-help = Apri il collegamento dall'e-mail su questo dispositivo o su un altro. Se non arriva entro qualche minuto, controlla la posta indesiderata e i dati inseriti, poi riprova.
recover-back-login = Torna all'accesso
recover-code-intro = Per continuare ti inviamo un codice via SMS al cellulare registrato ({ $mobile }).
recover-send-code = Invia il codice via SMS
recover-code-sent = Abbiamo inviato un codice via SMS al cellulare registrato ({ $mobile }).
recover-field-new-password = Nuova password
recover-field-new-password-again = Ripeti la nuova password
password-policy = La password deve avere da 10 a 128 caratteri, con lettere e cifre; non deve contenere lo user-id, il nome, il cognome o il codice fiscale, non deve essere una password comune né quella attuale.
recover-set-password = Imposta la nuova password
recover-show-user-id = Mostra lo user-id
recover-password-done = Password cambiata
recover-password-done-help = Tutte le sessioni aperte sono state chiuse. Accedi con la nuova password.
recover-user-id-done = Ecco il tuo user-id
sms-otp-recovery = rinnova: { $code } è il codice per recuperare l'accesso al servizio di firma. Scade tra { $minutes } minuti. Non comunicarlo a nessuno: il Certificatore non te lo chiederà mai.
email-recover-password-subject = Scelta di una nuova password
email-recover-password-body = Gentile { $name },
    abbiamo ricevuto una richiesta di nuova password per il tuo accesso al servizio di firma.
    Per sceglierla apri questo collegamento entro { $minutes } minuti; ti chiederemo anche un codice inviato via SMS al tuo cellulare:
    { $link }

    Se non hai chiesto tu una nuova password, ignora questo messaggio: la password attuale resta valida.
email-recover-user-id-subject = Recupero dello user-id
email-recover-user-id-body = Gentile { $name },
    abbiamo ricevuto una richiesta di recupero dello user-id del servizio di firma.
    Per vederlo apri questo collegamento entro { $minutes } minuti; ti chiederemo anche un codice inviato via SMS al tuo cellulare:
    { $link }

    Se non l'hai chiesto tu, ignora questo messaggio.
email-password-changed-subject = La password del servizio di firma è stata cambiata
email-password-changed-body = Gentile { $name },
    la password del tuo accesso al servizio di firma è stata appena cambiata e tutte le sessioni aperte sono state chiuse.
    Se non sei stato tu, contatta subito il Certificatore.
err-RNV-AUTH-004 = Troppi tentativi di accesso non riusciti da questa connessione: riprova tra { $minutes } minuti.
err-RNV-REC-001 = Troppe richieste di recupero: riprova tra { $minutes } minuti.
err-RNV-REC-002 = Il collegamento non è valido, è già stato usato o è scaduto. Ripeti la richiesta qui sotto.
err-RNV-PWD-001 = La nuova password è troppo corta: servono almeno 10 caratteri.
err-RNV-PWD-002 = La nuova password è troppo lunga: al massimo 128 caratteri.
err-RNV-PWD-003 = La nuova password deve contenere sia lettere sia cifre.
err-RNV-PWD-004 = La nuova password non deve contenere lo user-id, il nome, il cognome o il codice fiscale.
err-RNV-PWD-005 = La nuova password è troppo comune o prevedibile: scegline un'altra.
err-RNV-PWD-006 = Le due password non coincidono.
err-RNV-PWD-007 = La nuova password deve essere diversa da quella attuale.
recover-rao-help = Se non hai più l'e-mail o il cellulare registrati, rivolgiti al tuo operatore di registrazione (RAO): li aggiorna dopo averti identificato.

history-title = Cronologia
history-link = Cronologia delle operazioni
history-intro = Le operazioni sul tuo account e sui tuoi certificati, dal registro di controllo del Certificatore (le più recenti per prime).
history-empty = Nessuna operazione registrata.
history-when = Quando
history-what = Operazione
history-who = Chi
history-from = Da
audit-token_resynchronised = Token risincronizzato
audit-token_resync_failed = Risincronizzazione del token non riuscita
audit-cdrl_login = Accesso del responsabile dell'organizzazione
audit-rao_login = Accesso dell'operatore RAO
audit-time_stamp_issued = Marca temporale emessa
audit-evidence_restamped = Modulo firmato marcato di nuovo
audit-signature_authorized = Firme autorizzate (firma remota)
audit-hashes_signed = Documenti firmati (firma remota)
audit-signing_client_registered = Applicazione di firma registrata
audit-login = Accesso
audit-login_failed = Accesso non riuscito
audit-logout = Uscita
audit-renewal_started = Rinnovo avviato
audit-data_confirmed = Dati confermati
audit-documents_accepted = Documenti accettati
audit-otp_sent = Codice OTP inviato
audit-otp_failed = Codice OTP errato
audit-pin_failed = PIN errato
audit-credential_blocked = Credenziale di firma bloccata
audit-key_moved_to_hsm = Chiave di firma trasferita nell'HSM
audit-ca_keys_moved_to_hsm = Chiavi della CA trasferite nell'HSM
audit-subordinate_issued = Certificato di CA subordinata emesso dalla root
audit-subordinate_revoked = Certificato di CA subordinata revocato dalla root
audit-root_crl_issued = CRL della root emessa
audit-request_signed = Richiesta di rinnovo firmata
audit-payment_settled = Pagamento registrato
audit-order_placed = Ordine nel negozio
audit-approved = Approvato dall'organizzazione
audit-rejected = Rifiutato dall'organizzazione
audit-activation_otp_verified = Attivazione confermata con OTP
audit-certificate_issued = Nuovo certificato emesso
audit-certificate_superseded = Certificato precedente sostituito
audit-certificate_revoked = Certificato revocato
audit-contact_change_requested = Modifica dei recapiti richiesta
audit-contact_changed = Recapiti modificati
audit-rao_verified = Verificato dall'operatore RAO
audit-recovery_requested = Recupero dell'accesso richiesto
audit-recovery_code_sent = Codice di recupero inviato
audit-password_reset = Password cambiata
audit-user_id_recovered = User-id recuperato
audit-desk_new_certificate = Nuovo certificato allo sportello
audit-coupon_refused = Coupon rifiutato
audit-prepaid_reserved = Importo prenotato sul conto prepagato
doc-signed-form = Scarica il modulo di rinnovo firmato (PDF con firma PAdES)
desk-signed-forms = Moduli di rinnovo firmati
desk-signed-form = Modulo firmato il { $date } (PDF)
audit-evidence_retrieved = Modulo firmato consultato
email-reminder-card-body = Gentile { $name },
    il certificato "{ $kind }" sulla tua smart card (numero di serie { $serial }) scade il { $date }.
    Puoi rinnovarlo fino al { $last } compreso con il programma di rinnovo per smart card (rinnova card), con la carta inserita nel lettore.

    Se lo hai già rinnovato, ignora questo messaggio.
card-not-ours = Certificato non emesso da questo Certificatore.
card-remote-certificate = Certificato di firma remota: si rinnova dal portale, non con la smart card.
err-RNV-CARD-001 = Certificato di firma remota: si rinnova dal portale, non con la smart card.
err-RNV-CARD-002 = La richiesta inviata dalla carta non è leggibile. Riprova; se si ripete, contatta l'assistenza.
err-RNV-CARD-003 = La chiave generata sulla carta non è di un tipo accettato (serve una chiave ECDSA P-256).
err-RNV-CARD-004 = La firma della richiesta con la nuova chiave non è valida.
err-RNV-CARD-005 = La richiesta non è firmata con la chiave del certificato da rinnovare.
err-RNV-CARD-006 = I dati del titolare nella richiesta non corrispondono al certificato da rinnovare.
err-RNV-CARD-007 = Il rinnovo richiede una nuova chiave: la richiesta usa quella del certificato attuale.
err-RNV-CARD-008 = Certificato non emesso da questo Certificatore.
err-RNV-PRE-011 = Il rinnovo è a pagamento: inserisci user-id e password del conto prepagato.
card-paid = { $amount } dal conto { $purse }
card-free = Gratuito
card-paid-by-organisation = A carico della tua organizzazione
card-purse-diritti = Diritti
card-purse-tariffa = Tariffa
audit-card_renewal_requested = Rinnovo richiesto dalla smart card
audit-card_certificate_stored = Nuovo certificato memorizzato sulla smart card
audit-prepaid_debited = Importo addebitato sul conto prepagato
audit-prepaid_released = Importo prenotato restituito al conto prepagato

# Why a renewal ended without a new certificate (SPEC W3, issue 18).
renewal-ended-title = Rinnovo interrotto
renewal-ended-window = Il rinnovo si è interrotto: { $why }
renewal-ended-rejected = La tua organizzazione ha respinto la richiesta di rinnovo. Motivo: { $reason }
renewal-ended-other = Il rinnovo si è interrotto.
renewal-ended-refund = L'importo pagato ti sarà rimborsato.
renewal-ended-last = Ultimo rinnovo: { $text }
credential-blocked-note = La credenziale di firma è bloccata dopo 5 PIN errati: non può firmare né essere rinnovata. Rivolgiti a un operatore di registrazione (RAO) per sbloccarla o per un nuovo certificato.

# Bank transfers that arrive short add up (issue 18 item 9).
transfer-received = Ricevuto finora
transfer-missing = Ancora da versare (stessa causale)
email-transfer-short-subject = Bonifico ricevuto, ma l'importo non è completo
email-transfer-short-body = Gentile { $name },
    abbiamo ricevuto { $received } dei { $total } dovuti per il rinnovo. Per completare il pagamento esegui un altro bonifico di { $missing } con la stessa causale: { $reference }.
    I bonifici con la stessa causale si sommano.

# Issue 18 item 16: every audit action the history shows has a label.
audit-bank_entry_imported = Movimento bancario importato
audit-contact_change_refused = Modifica dei recapiti rifiutata
audit-coupons_created = Coupon creati
audit-credential_check_failed = Credenziali errate
audit-desk_search = Ricerca allo sportello
audit-order_amount_mismatch = Importo notificato diverso dall'ordine
audit-order_cancelled = Ordine annullato
audit-order_declined = Pagamento rifiutato
audit-order_refund_due = Ordine da rimborsare
audit-prepaid_account_created = Conto prepagato creato
audit-prepaid_refused = Conto prepagato rifiutato
audit-prepaid_top_up = Ricarica del conto prepagato
audit-promo_refused = Codice promozionale rifiutato
audit-rao_created = Operatore RAO creato
audit-recovery_request_unmatched = Richiesta di recupero senza riscontro
audit-refund_due = Importo da rimborsare
audit-reminder_link_other_account = Link di promemoria di un altro titolare
audit-renewal_ended = Rinnovo interrotto
payment-holder = A carico del titolare
audit-detail-with-certificate = con il certificato { $value }
audit-detail-card-certificate = certificato della smart card { $value }
audit-detail-certificate = certificato { $value }
audit-detail-documents = documenti { $value }
audit-detail-serial = numero di serie { $value }
audit-detail-order = ordine { $value }
audit-detail-sessions-ended = sessioni chiuse: { $value }
audit-detail-contact = recapito { $value }
audit-detail-n-of-m = { $n } su { $of }
audit-detail-contact-taken = { $field }: appartiene a un'altra persona
