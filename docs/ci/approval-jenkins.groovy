// A manual approval before production in a Jenkins declarative pipeline (docs/approval.md).
//
// The gate's exit code decides: 0 deploy, 3 ask a release manager (the `input` shows the
// Markdown summary: what needs approving and why), anything else stops. Only members of
// `release-managers` can answer the input; their name and reason go into a record signed
// with the `gatekeeper-approval-key` credential (a Secret text), which the gate then checks.
// Values reach the shell through withEnv, never through Groovy string interpolation.
pipeline {
  agent any
  environment {
    POLICY = 'policies/release-approval.yaml'
  }
  stages {
    stage('Scan') {
      steps {
        sh './scripts/scan.sh reports/'
      }
    }
    stage('Security gate') {
      steps {
        script {
          def code = sh(returnStatus: true, script: 'gatekeeper check reports/ --policy "$POLICY" --env prod --markdown gatekeeper.md --junit gatekeeper.xml')
          junit allowEmptyResults: true, testResults: 'gatekeeper.xml'
          archiveArtifacts artifacts: 'gatekeeper.md', allowEmptyArchive: true
          if (code == 3) {
            // NOTE: in real use, wrap the input in `timeout(time: 1, unit: 'DAYS')`, and run it
            // outside a node block so that waiting does not hold an executor.
            def answer = input(
              id: 'SecurityApproval',
              message: "Security gate: findings need a release manager's approval before production.\n\n" + readFile('gatekeeper.md'),
              ok: 'Approve these findings',
              submitter: 'release-managers',
              submitterParameter: 'APPROVER',
              parameters: [string(name: 'REASON', description: 'Why may these findings ship? (ticket, change number)')]
            )
            withCredentials([string(credentialsId: 'gatekeeper-approval-key', variable: 'GATEKEEPER_APPROVAL_KEY')]) {
              withEnv(["APPROVER=${answer.APPROVER}", "REASON=${answer.REASON}"]) {
                sh 'gatekeeper approve reports/ --policy "$POLICY" --env prod --approver "$APPROVER" --reason "$REASON" -o approval.json'
                sh 'gatekeeper check reports/ --policy "$POLICY" --env prod --approval approval.json'
              }
            }
            archiveArtifacts artifacts: 'approval.json'
          } else if (code != 0) {
            error("security gate: exit ${code} (1 policy violated, 2 could not evaluate)")
          }
        }
      }
    }
    stage('Deploy') {
      steps {
        sh './scripts/deploy.sh'
      }
    }
  }
}
